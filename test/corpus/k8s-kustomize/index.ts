// kustomize.Directory asks the provider to run kustomize on app/ and registers what comes out:
// the objects are only known after the build, which the offline check does not run.
import * as k8s from "@pulumi/kubernetes";

const app = new k8s.kustomize.Directory("app", { directory: "app" });

export const ready = app.ready;
