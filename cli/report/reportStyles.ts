/** The page's own CSS (uPlot's comes before it). System fonts only: the report works offline. */
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1d2329; --muted: #5f6b76; --rule: #d9dee3; --panel: #ffffff; --page: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink); font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 1600px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 16px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 0 0 6px; }
.meta, .facts, footer, .note { color: var(--muted); font-size: 12.5px; }
.meta { margin: 0 0 12px; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
section { margin: 0 0 18px; }
.runs { display: grid; gap: 12px; }
.run, .panel { background: var(--panel); border: 1px solid var(--rule); border-radius: 6px; padding: 10px 12px; }
.facts { margin: 0 0 6px; }
.plot { width: 100%; min-width: 300px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; font-size: 12.5px; color: var(--muted); }
.chip { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.chip.line { width: 14px; height: 0; border-top: 2px solid; border-radius: 0; vertical-align: 3px; }
.chip.dashed { border-top-style: dashed; }
.chip.invalid { background: rgba(0, 0, 0, 0.12); }
table { border-collapse: collapse; width: 100%; background: var(--panel); font-size: 13px; }
th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { background: #eef1f4; font-weight: 600; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.reason { overflow-wrap: anywhere; white-space: pre-wrap; width: 100%; }
td.key { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; white-space: nowrap; }
td.null { color: var(--muted); }
tr.differs td:not(.key) { background: #fff6dc; }
tr[data-t] { cursor: pointer; }
tr[data-t]:hover td { background: #eef5ff; }
.table-wrap { max-height: 480px; overflow: auto; border: 1px solid var(--rule); border-radius: 6px; }
.summary-wrap { overflow: auto; border: 1px solid var(--rule); border-radius: 6px; }
.marker-tip { position: absolute; z-index: 10; max-width: 420px; padding: 5px 8px; background: rgba(255, 255, 255, 0.97); border: 1px solid #b9c1c9; border-radius: 4px; box-shadow: 0 2px 6px rgba(0, 0, 0, 0.15); font-size: 12px; pointer-events: none; overflow-wrap: anywhere; white-space: pre-wrap; }
.u-legend { font-size: 12px; margin: 0 0 4px; width: auto; }
.u-legend th, .u-legend td { border: 0; background: none; padding: 0 4px; }
table.summary { width: auto; min-width: 40%; }
footer { padding-bottom: 20px; }
`;
