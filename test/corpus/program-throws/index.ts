import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketName } from "./naming";

const config = new pulumi.Config();
const team = config.get("team") ?? "platform";

const artifacts = new aws.s3.Bucket("artifacts", { bucket: bucketName(team, "artifacts") });

export const artifactsBucket = artifacts.bucket;
