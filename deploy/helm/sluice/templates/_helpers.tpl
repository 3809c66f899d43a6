{{/* The chart's name. */}}
{{- define "sluice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name, for every object. */}}
{{- define "sluice.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "sluice.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "sluice.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "sluice.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sluice.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "sluice.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "sluice.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "sluice.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sluice.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The port of a "host:port" or ":port" listen address. */}}
{{- define "sluice.port" -}}
{{- $port := regexReplaceAll "^.*:" (toString .) "" -}}
{{- if not (regexMatch "^[0-9]+$" $port) }}
{{- fail (printf "listen address %q has no numeric port" (toString .)) }}
{{- end }}
{{- $port }}
{{- end }}

{{/* The health probes' port, from config.health.listen (required). */}}
{{- define "sluice.healthPort" -}}
{{- $listen := "" }}
{{- with .Values.config.health }}{{ $listen = .listen | default "" }}{{ end }}
{{- if not $listen }}
{{- fail "config.health.listen must be set (e.g. \":8080\"): the probes use /healthz and /readyz" }}
{{- end }}
{{- include "sluice.port" $listen }}
{{- end }}

{{/* Whether the Prometheus exporter is on: "true" or "". */}}
{{- define "sluice.prometheusOn" -}}
{{- $exporters := list }}
{{- with .Values.config.telemetry }}{{ with .metrics }}{{ $exporters = .exporters | default list }}{{ end }}{{ end }}
{{- if has "prometheus" $exporters }}true{{ end }}
{{- end }}

{{/* The metrics port, from config.telemetry.metrics.prometheus_listen (default 9464). */}}
{{- define "sluice.metricsPort" -}}
{{- $listen := "localhost:9464" }}
{{- with .Values.config.telemetry }}{{ with .metrics }}{{ with .prometheus_listen }}{{ $listen = . }}{{ end }}{{ end }}{{ end }}
{{- include "sluice.port" $listen }}
{{- end }}

{{/*
A byte size as sluice reads it ("192MiB", "1GB", 201326592) in MiB, rounded
up: IEC units (KiB, MiB, GiB, TiB) are powers of 1024, SI ones (KB, MB, GB,
TB, or K, M, G, T) powers of 1000.
*/}}
{{- define "sluice.mebibytes" -}}
{{- $s := toString . | trim | lower }}
{{- $m := regexFindAll "^([0-9]+(\\.[0-9]+)?) ?([a-z]*)$" $s 1 }}
{{- if not $m }}
{{- fail (printf "cannot read the byte size %q" (toString .)) }}
{{- end }}
{{- $num := regexReplaceAll "^([0-9.]+) ?([a-z]*)$" $s "${1}" | float64 }}
{{- $unit := regexReplaceAll "^([0-9.]+) ?([a-z]*)$" $s "${2}" }}
{{- $factors := dict "" 1 "b" 1 "k" 1e3 "kb" 1e3 "ki" 1024 "kib" 1024 "m" 1e6 "mb" 1e6 "mi" 1048576 "mib" 1048576 "g" 1e9 "gb" 1e9 "gi" 1073741824 "gib" 1073741824 "t" 1e12 "tb" 1e12 "ti" 1099511627776 "tib" 1099511627776 }}
{{- if not (hasKey $factors $unit) }}
{{- fail (printf "unknown unit %q in the byte size %q" $unit (toString .)) }}
{{- end }}
{{- divf (mulf $num (get $factors $unit)) 1048576 | ceil | int64 }}
{{- end }}

{{/* A Go duration ("1m", "90s", "1m30s", "500ms") in seconds, rounded up. */}}
{{- define "sluice.seconds" -}}
{{- $s := toString . | trim }}
{{- if not (regexMatch "^([0-9]+(\\.[0-9]+)?(h|m|s|ms))+$" $s) }}
{{- fail (printf "cannot read the duration %q (want e.g. 1m, 90s, 1m30s)" $s) }}
{{- end }}
{{- $total := 0.0 }}
{{- range regexFindAll "[0-9.]+(h|ms|m|s)" $s -1 }}
{{- $n := regexReplaceAll "[a-z]+$" . "" | float64 }}
{{- $u := regexReplaceAll "^[0-9.]+" . "" }}
{{- $f := get (dict "h" 3600.0 "m" 60.0 "s" 1.0 "ms" 0.001) $u }}
{{- $total = addf $total (mulf $n $f) }}
{{- end }}
{{- ceil $total | int64 }}
{{- end }}

{{/* Container memory in MiB: memory_limit plus headroom. */}}
{{- define "sluice.memoryMiB" -}}
{{- $limit := include "sluice.mebibytes" (.Values.config.memory_limit | default "192MiB") | int64 }}
{{- if eq $limit 0 }}
{{- fail "config.memory_limit is 0 (off): set resources.limits.memory and resources.requests.memory" }}
{{- end }}
{{- $headroom := div (mul $limit (int64 .Values.resources.memoryHeadroomPercent)) 100 }}
{{- max $headroom (int64 .Values.resources.memoryHeadroomMinMiB) | add $limit }}
{{- end }}

{{/* The grace period: past shutdown_timeout, so a graceful shutdown ends before SIGKILL. */}}
{{- define "sluice.gracePeriod" -}}
{{- $shutdown := include "sluice.seconds" (.Values.config.shutdown_timeout | default "1m") | int64 }}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add $shutdown (int64 .Values.terminationGraceExtraSeconds) }}
{{- else }}
{{- $set := int64 .Values.terminationGracePeriodSeconds }}
{{- if le $set $shutdown }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed config.shutdown_timeout (%ds)" $set $shutdown) }}
{{- end }}
{{- $set }}
{{- end }}
{{- end }}
