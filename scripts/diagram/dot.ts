/**
 * The estate picture as Graphviz DOT: left to right, one box (`subgraph cluster_*`) per component,
 * nested as the components are, the data edges dark blue, AWS Backup's "stores into" purple, DR
 * copies red and dashed, protected resources with a thick dark-red border, resources kept on delete
 * with a double border, and a legend. Everything is emitted in a fixed order, so the same model
 * gives the same text (and Graphviz the same SVG).
 *
 * Attributes used (https://graphviz.org/doc/info/attrs.html): `compound`, `lhead`/`ltail` (an edge
 * that ends at a cluster's border), `rankdir`, HTML-like labels (https://graphviz.org/doc/info/shapes.html#html),
 * `peripheries`, `penwidth`, `tooltip`.
 */
import type { CountRow, DiagramComponent, DiagramEdge, DiagramNode, EdgeKind, EstateDiagram, Role } from "./model";

const FONT = "Helvetica";

const ROLE_STYLE: Readonly<Record<Role, { shape: string; fill: string; title: string }>> = {
    entry: { shape: "cds", fill: "#e0f7fa", title: "ingress (entry point)" },
    workload: { shape: "box", fill: "#e3f2fd", title: "workload (Deployment, CronJob)" },
    chart: { shape: "box", fill: "#ede7f6", title: "Helm chart" },
    datastore: { shape: "cylinder", fill: "#fff3c4", title: "database or cache" },
    bucket: { shape: "folder", fill: "#e8f5e9", title: "S3 bucket" },
    vault: { shape: "cylinder", fill: "#fce4ec", title: "backup vault" },
    backupPlan: { shape: "note", fill: "#fce4ec", title: "AWS Backup plan" },
};

const EDGE_STYLE: Readonly<Record<EdgeKind, { color: string; style: string; penwidth: number; title: string }>> = {
    data: { color: "#1f4e79", style: "solid", penwidth: 1.6, title: "reads or writes (dependency or network flow)" },
    stores: { color: "#6a1b9a", style: "solid", penwidth: 1.6, title: "AWS Backup stores recovery points in" },
    copy: { color: "#c62828", style: "dashed", penwidth: 2.4, title: "DR copy (backup copy, S3 replication)" },
};

const PROTECT_COLOR = "#b00020";
/** Count rows beyond which a component's counts go in two columns. */
const COUNTS_PER_COLUMN = 4;
const RETAIN_COLOR = "#e65100";

/** Text for an HTML-like label. */
function html(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A quoted DOT string. */
function quoted(text: string): string {
    return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function marks(protect: boolean | number, retain: boolean | number): string {
    const parts: string[] = [];
    const n = (v: boolean | number) => (typeof v === "number" ? `${v} ` : "");
    if (protect) {
        parts.push(`<FONT COLOR="${PROTECT_COLOR}"><B>${n(protect)}protect</B></FONT>`);
    }
    if (retain) {
        parts.push(`<FONT COLOR="${RETAIN_COLOR}"><B>${n(retain)}retain</B></FONT>`);
    }
    return parts.join(" · ");
}

function nodeStatement(node: DiagramNode, indent: string): string {
    const style = ROLE_STYLE[node.role];
    const rows = [`<TR><TD><B>${html(node.name)}</B></TD></TR>`, `<TR><TD><FONT POINT-SIZE="10" COLOR="#444444">${html(node.kind)}</FONT></TD></TR>`];
    if (node.otherRegion) {
        rows.push(`<TR><TD><FONT POINT-SIZE="10" COLOR="${EDGE_STYLE.copy.color}"><B>${html(node.otherRegion)}</B></FONT></TD></TR>`);
    }
    const mark = marks(node.protect, node.retainOnDelete);
    if (mark) {
        rows.push(`<TR><TD><FONT POINT-SIZE="10">${mark}</FONT></TD></TR>`);
    }
    const attrs = [
        `label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">${rows.join("")}</TABLE>>`,
        `shape=${style.shape}`,
        // A cylinder's top ellipse, and the arrow of an ingress, take room from the label.
        ...(style.shape === "cylinder" || style.shape === "cds" ? [`margin="0.14,0.2"`] : []),
        `style="filled${style.shape === "box" ? ",rounded" : ""}"`,
        `fillcolor="${style.fill}"`,
        `tooltip=${quoted(`${node.type} ${node.name}`)}`,
    ];
    if (node.protect) {
        attrs.push(`color="${PROTECT_COLOR}"`, "penwidth=3");
    } else if (node.retainOnDelete) {
        attrs.push(`color="${RETAIN_COLOR}"`, "penwidth=2");
    }
    if (node.retainOnDelete) {
        attrs.push("peripheries=2");
    }
    return `${indent}${node.id} [${attrs.join(", ")}];`;
}

function countsStatement(component: DiagramComponent, indent: string): string {
    // One cell per count: a number and a bold mark in cells of their own sit on different baselines.
    const cells = component.counts.map((row: CountRow) => {
        const mark = marks(row.protect, row.retainOnDelete);
        return `<TD ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="#555555">${row.count} × ${html(row.heading)}${mark ? ` (${mark})` : ""}</FONT></TD>`;
    });
    // Long lists in two columns: a box grows less tall.
    const height = cells.length > COUNTS_PER_COLUMN ? Math.ceil(cells.length / 2) : cells.length;
    const rows: string[] = [];
    for (let i = 0; i < height; i++) {
        rows.push(`<TR>${cells[i]}${cells.length > height ? `<TD WIDTH="14"></TD>${cells[i + height] ?? "<TD></TD>"}` : ""}</TR>`);
    }
    const label = `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">${rows.join("")}</TABLE>>`;
    return `${indent}${component.id}_counts [shape=plaintext, label=${label}, tooltip=${quoted(`the other resources of ${component.name}`)}];`;
}

/** Whether a component has anything to draw (a box with neither nodes nor counts nor children is left out). */
function hasContent(c: DiagramComponent): boolean {
    return c.nodes.length > 0 || c.counts.length > 0 || c.children.some(hasContent);
}

/** A node inside the component's box an edge can attach to (the edge is then clipped at the box). */
function anchorOf(c: DiagramComponent): string | undefined {
    if (c.nodes.length > 0) {
        return c.nodes[0]!.id;
    }
    if (c.counts.length > 0) {
        return `${c.id}_counts`;
    }
    for (const child of c.children) {
        const anchor = anchorOf(child);
        if (anchor) {
            return anchor;
        }
    }
    return undefined;
}

function componentLines(c: DiagramComponent, depth: number): string[] {
    const indent = "    ".repeat(depth + 1);
    const kind = c.type.split(":").pop() ?? c.type;
    const lines = [
        `${indent}subgraph cluster_${c.id} {`,
        `${indent}    label=<<B>${html(c.name)}</B> <FONT POINT-SIZE="10" COLOR="#555555">${html(kind)}</FONT>>;`,
        `${indent}    tooltip=${quoted(`${c.type} ${c.name}`)};`,
        `${indent}    style="rounded,filled"; color="#9e9e9e"; fillcolor="${depth % 2 === 0 ? "#fafafa" : "#f0f0f0"}";`,
    ];
    for (const node of c.nodes) {
        lines.push(nodeStatement(node, `${indent}    `));
    }
    if (c.counts.length > 0) {
        lines.push(countsStatement(c, `${indent}    `));
    }
    for (const child of c.children.filter(hasContent)) {
        lines.push(...componentLines(child, depth + 1));
    }
    lines.push(`${indent}}`);
    return lines;
}

/** The legend: only what this picture has (a dev stack without DR copies is not told about them). */
function legendLines(diagram: EstateDiagram): string[] {
    const boxes: DiagramComponent[] = [];
    const collect = (c: DiagramComponent) => {
        boxes.push(c);
        c.children.forEach(collect);
    };
    collect(diagram.root);
    const roles = new Set(boxes.flatMap((c) => c.nodes.map((n) => n.role)));
    const any = (key: "protect" | "retainOnDelete") => boxes.some((c) => c.nodes.some((n) => n[key]) || c.counts.some((r) => r[key] > 0));
    const kinds = new Set(diagram.edges.map((e) => e.kind));
    const row = (sample: string, text: string) => `<TR><TD ALIGN="LEFT">${sample}</TD><TD ALIGN="LEFT">${html(text)}</TD></TR>`;
    const rows = [
        `<TR><TD COLSPAN="2"><B>Legend</B></TD></TR>`,
        ...(Object.entries(ROLE_STYLE) as [Role, (typeof ROLE_STYLE)[Role]][])
            .filter(([role]) => roles.has(role))
            .map(([, s]) => row(`<TABLE BORDER="1" CELLBORDER="0" BGCOLOR="${s.fill}" STYLE="ROUNDED"><TR><TD> </TD></TR></TABLE>`, s.title)),
        ...(any("protect") ? [row(`<TABLE BORDER="3" COLOR="${PROTECT_COLOR}" CELLBORDER="0"><TR><TD><FONT COLOR="${PROTECT_COLOR}"><B>protect</B></FONT></TD></TR></TABLE>`, "protect: Pulumi refuses to delete it")] : []),
        ...(any("retainOnDelete") ? [row(`<TABLE BORDER="2" COLOR="${RETAIN_COLOR}" CELLBORDER="0"><TR><TD><FONT COLOR="${RETAIN_COLOR}"><B>retain</B></FONT></TD></TR></TABLE>`, "retainOnDelete: outlives the stack (double border)")] : []),
        ...(Object.entries(EDGE_STYLE) as [EdgeKind, (typeof EDGE_STYLE)[EdgeKind]][])
            .filter(([kind]) => kinds.has(kind))
            .map(([, s]) => row(`<FONT COLOR="${s.color}"><B>${s.style === "dashed" ? "- - - -&gt;" : "———&gt;"}</B></FONT>`, s.title)),
        row(`<FONT COLOR="#555555">3 × kind</FONT>`, "the component's other resources, counted"),
    ];
    return [
        "    subgraph cluster_legend {",
        '        label=""; style="rounded"; color="#bdbdbd";',
        `        legend [shape=plaintext, label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">${rows.join("")}</TABLE>>];`,
        "    }",
    ];
}

function edgeStatement(edge: DiagramEdge, componentsById: Map<string, DiagramComponent>): string | undefined {
    const style = EDGE_STYLE[edge.kind];
    const end = (id: string) => {
        const c = componentsById.get(id);
        return c ? { node: anchorOf(c), cluster: `cluster_${c.id}` } : { node: id };
    };
    const from = end(edge.from);
    const to = end(edge.to);
    if (!from.node || !to.node) {
        return undefined;
    }
    const attrs = [`color="${style.color}"`, `style=${style.style}`, `penwidth=${style.penwidth}`, "constraint=false", `tooltip=${quoted(edge.evidence.join("\n"))}`];
    if (from.cluster) {
        attrs.push(`ltail=${from.cluster}`);
    }
    if (to.cluster) {
        attrs.push(`lhead=${to.cluster}`);
    }
    if (edge.label) {
        attrs.push(`label=${quoted(edge.label)}`, `fontcolor="${style.color}"`, "fontsize=10");
    }
    return `    ${from.node} -> ${to.node} [${attrs.join(", ")}];`;
}

/**
 * The column (rank, left to right) of every node: what holds no data and reaches none (platform,
 * monitoring) first, then what reads and writes data (apps, jobs), the data stores, the backup
 * storage (buckets, vaults, plans), and last the DR copies (another region, another account).
 * Fixed columns keep the boxes of one column from stacking on the boxes of the next.
 */
export function columnsOf(diagram: EstateDiagram): Map<string, number> {
    const columns = new Map<string, number>();
    const copyTargets = new Set(diagram.edges.filter((e) => e.kind === "copy").map((e) => e.to));
    const nodeIds = (c: DiagramComponent) => new Set(c.nodes.map((n) => n.id).concat(c.id));
    const visit = (c: DiagramComponent) => {
        const own = nodeIds(c);
        const readsData = diagram.edges.some((e) => e.kind === "data" && own.has(e.from));
        const column = c.nodes.some((n) => n.role === "datastore")
            ? 2
            : c.nodes.some((n) => n.role === "bucket" || n.role === "vault" || n.role === "backupPlan")
              ? 3
              : readsData
                ? 1
                : 0;
        for (const n of c.nodes) {
            columns.set(n.id, n.otherRegion || copyTargets.has(n.id) ? 4 : column);
        }
        if (c.counts.length > 0) {
            columns.set(`${c.id}_counts`, column);
        }
        c.children.forEach(visit);
    };
    visit(diagram.root);
    for (const x of diagram.externals) {
        columns.set(x.id, 4);
    }
    columns.set("legend", 4);
    return columns;
}

function columnLines(diagram: EstateDiagram): string[] {
    const byColumn = new Map<number, string[]>();
    for (const [id, column] of columnsOf(diagram)) {
        byColumn.set(column, [...(byColumn.get(column) ?? []), id]);
    }
    const used = [...byColumn.keys()].sort((a, b) => a - b);
    const lines = used.map((column) => `    { rank=same; column${column} [shape=point, style=invis, width=0]; ${byColumn.get(column)!.join("; ")}; }`);
    if (used.length > 1) {
        lines.push(`    ${used.map((c) => `column${c}`).join(" -> ")} [style=invis];`);
    }
    return lines;
}

/** The DOT text of the diagram. */
export function diagramDot(diagram: EstateDiagram): string {
    const componentsById = new Map<string, DiagramComponent>();
    const index = (c: DiagramComponent) => {
        componentsById.set(c.id, c);
        c.children.forEach(index);
    };
    diagram.root.children.forEach(index);
    const regions = [diagram.region ? `region ${diagram.region}` : "", diagram.otherRegions.length ? `DR ${diagram.otherRegions.join(", ")}` : ""].filter(Boolean).join(" · ");
    const subtitle = `${diagram.resourceCount} resources${regions ? ` · ${regions}` : ""} · drawn by npm run diagram from the offline plan (providers not shown)`;
    const title = `<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="2"><TR><TD ALIGN="LEFT"><FONT POINT-SIZE="18"><B>${html(`${diagram.project} · stack ${diagram.stack}`)}</B></FONT></TD></TR><TR><TD ALIGN="LEFT"><FONT POINT-SIZE="11" COLOR="#555555">${html(subtitle)}</FONT></TD></TR></TABLE>>`;
    const lines = [
        "digraph estate {",
        `    graph [rankdir=LR, compound=true, newrank=true, fontname="${FONT}", nodesep=0.25, ranksep=0.7, labelloc=t, labeljust=l, label=${title}];`,
        `    node [fontname="${FONT}", fontsize=12, margin="0.12,0.06"];`,
        `    edge [fontname="${FONT}", arrowsize=0.8];`,
    ];
    for (const node of diagram.root.nodes) {
        lines.push(nodeStatement(node, "    "));
    }
    if (diagram.root.counts.length > 0) {
        lines.push(countsStatement(diagram.root, "    "));
    }
    for (const c of diagram.root.children.filter(hasContent)) {
        lines.push(...componentLines(c, 0));
    }
    for (const x of diagram.externals) {
        lines.push(
            `    ${x.id} [shape=cylinder, style="filled,dashed", fillcolor="#ffffff", color="${EDGE_STYLE.copy.color}", label=<<B>${html(x.label)}</B><BR/><FONT POINT-SIZE="10">${html(x.detail)}</FONT><BR/><FONT POINT-SIZE="10" COLOR="#555555">outside this stack</FONT>>];`,
        );
    }
    lines.push(...legendLines(diagram));
    lines.push(...columnLines(diagram));
    for (const edge of diagram.edges) {
        const statement = edgeStatement(edge, componentsById);
        if (statement) {
            lines.push(statement);
        }
    }
    lines.push("}");
    return lines.join("\n") + "\n";
}
