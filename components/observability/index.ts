export * from "./alert-rules";
export * from "./data-rules";
export * from "./dashboards";
export * from "./monitoring";
export * from "./error-tracking";
export * from "./grafana-content";
export * from "./database-alarms";
export * from "./instance-classes";
