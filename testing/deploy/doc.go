// Package deploy tests what ships sluice beside its code: the Dockerfile at
// the repository root (its build command makes a static binary; the image is
// non-root on a static base) and the Helm chart in deploy/helm/sluice (helm
// lint and helm template pass with the default values and with a values file
// using secrets, and the rendered configuration passes "sluice validate").
//
// No Docker engine is needed. Helm is built from the Go module proxy
// (HelmModule) into the user cache, or taken from $SLUICE_HELM_BIN; without
// it the Helm tests skip, unless $CI is set: then they fail.
package deploy
