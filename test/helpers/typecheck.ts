/**
 * `tsc -p <tsconfig>` in the test process, with the parsed files shared between calls.
 *
 * A project that imports `@pulumi/aws` reads about 3,000 declaration files; parsing them is most of
 * a `tsc` run (about 6 s of CPU here, `tsc --extendedDiagnostics`), and a second `tsc` process parses
 * them all again. Parsed (and bound) source files do not depend on the program that reads them, so
 * the programs here share them, as the language service shares them through its document registry.
 * The diagnostics are the ones `tsc -p` prints: the config file's, then `getPreEmitDiagnostics`.
 */
import * as ts from "typescript";

const sourceFiles = new Map<string, ts.SourceFile>();

export interface TypecheckResult {
    /** What `tsc -p` would print (without colours), "" when it compiles. */
    output: string;
    /** `tsc`'s exit status: 0 when there is no diagnostic. */
    status: number;
}

export function typecheck(tsconfig: string): TypecheckResult {
    const configDiagnostics: ts.Diagnostic[] = [];
    const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => configDiagnostics.push(d),
    });
    if (!parsed) {
        return format(configDiagnostics);
    }
    const host = ts.createCompilerHost(parsed.options);
    const readSource = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
        const version = typeof languageVersion === "object" ? `${languageVersion.languageVersion}:${languageVersion.impliedNodeFormat}` : String(languageVersion);
        const key = `${version}:${fileName}`;
        let file = sourceFiles.get(key);
        if (!file || shouldCreate) {
            file = readSource(fileName, languageVersion, onError, shouldCreate);
            // Only the installed packages' declarations are shared: they do not change during a run.
            if (file && fileName.includes("/node_modules/")) {
                sourceFiles.set(key, file);
            }
        }
        return file;
    };
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, projectReferences: parsed.projectReferences, host, configFileParsingDiagnostics: parsed.errors });
    return format([...configDiagnostics, ...ts.getPreEmitDiagnostics(program)]);
}

function format(diagnostics: readonly ts.Diagnostic[]): TypecheckResult {
    const output = ts.formatDiagnostics(diagnostics, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => process.cwd(),
        getNewLine: () => "\n",
    });
    return { output, status: diagnostics.length === 0 ? 0 : 2 };
}
