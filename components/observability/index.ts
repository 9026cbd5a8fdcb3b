export * from "./alert-rules";
export * from "./dashboards";
export * from "./monitoring";
