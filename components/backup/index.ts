export * from "./backup-bucket";
export * from "./retention";
