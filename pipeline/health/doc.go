// Package health serves a process's health over HTTP for orchestrators such
// as Kubernetes:
//
//   - GET /healthz (liveness): 200 while every liveness check passes, else
//     503. A failing liveness probe makes Kubernetes restart the container,
//     so its checks say only "this process is stuck or dead", never "a
//     dependency is down".
//   - GET /readyz (readiness): 200 while every readiness check passes, else
//     503. Readiness gates rolling updates and PodDisruptionBudgets.
//
// Both answer with a JSON body naming each check and whether it passed:
//
//	{"status":"fail","checks":[{"name":"kafka","ok":false,"error":"not joined to the consumer group yet"},
//	  {"name":"store","ok":true}]}
//
// Checks run concurrently on every request, each bounded by
// Settings.Timeout, so a hung dependency fails its check instead of hanging
// the probe.
//
// The checks come from the program: a sluice pipeline offers its own
// (pipeline.Pipeline.HealthChecks). A Server listens on its own address
// (Start, Shutdown), or its Handler is mounted on another server's mux, such
// as the Prometheus scrape endpoint's.
package health
