// Two yaml.ConfigFiles. The local one is read from the project's directory and parsed into
// ordinary Kubernetes resources, which the policies see like any other. The remote one is
// downloaded when the program runs: offline its content is unknown, so it must be listed as not
// evaluated rather than passed.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();

const echo = new k8s.yaml.ConfigFile("echo", { file: "manifests/echo.yaml" });

const metricsServer = new k8s.yaml.ConfigFile("metrics-server", {
    file: config.get("metricsServerManifest") ?? "https://github.com/kubernetes-sigs/metrics-server/releases/download/v0.7.2/components.yaml",
});

export const echoService = echo.getResource("v1/Service", "echo", "echo").metadata.name;
export const metricsReady = metricsServer.ready;
