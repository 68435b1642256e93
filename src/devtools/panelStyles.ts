/**
 * The panel's CSS, inside its shadow root: nothing reaches the page, and the page's CSS does not reach in.
 * The reset is on `.panel`, not only `:host`: a page rule that matches the host element (`div { … }`)
 * outranks `:host`, and what it sets that is inherited would reach every row.
 */
export const panelStyles = `
:host{all:initial;display:block}
.panel{all:initial;display:block;color-scheme:light dark;--bg:#fff;--fg:#1d2330;--muted:#6b7280;--line:#e3e6ea;--pending:#b26b00;--failed:#c62828;--ok:#2e7d32;font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:var(--fg);background:var(--bg);padding:8px;min-width:0}
@media (prefers-color-scheme:dark){.panel{--bg:#17191d;--fg:#e6e8eb;--muted:#9aa1ab;--line:#2c3038;--pending:#f0a93b;--failed:#ff6b6b;--ok:#66bb6a}}
.manager{border-bottom:1px solid var(--line);padding-bottom:8px;margin-bottom:8px}
summary{cursor:pointer}
h2{display:inline;font-size:13px;margin:0}
h3{font-size:12px;margin:8px 0 4px;color:var(--muted);font-weight:600}
.count,.note,time,.preview{color:var(--muted);font-weight:400}
.status{display:flex;flex-wrap:wrap;gap:4px 12px;margin:4px 0}
[data-query=error],[data-realtime=disconnected],[data-failed]:not([data-failed="0"]){color:var(--failed)}
[data-query=loading],[data-query=syncing],[data-pending]:not([data-pending="0"]){color:var(--pending)}
[data-realtime=connected]{color:var(--ok)}
.filter{font:inherit;width:100%;box-sizing:border-box;padding:3px 6px;margin:4px 0;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:inherit}
ul,ol{list-style:none;margin:0;padding:0;max-height:320px;overflow:auto;border:1px solid var(--line);border-radius:4px}
ol:empty::before{content:"No events yet.";display:block;padding:4px 6px;color:var(--muted)}
li{padding:3px 6px;border-bottom:1px solid var(--line);min-width:0}
li:last-child{border-bottom:0}
.line{display:flex;gap:8px;justify-content:space-between}
.id,.preview,.text{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.text{white-space:normal;overflow-wrap:anywhere}
.pinned{background:color-mix(in srgb,var(--pending) 8%,transparent)}
[data-state=pending] .write{color:var(--pending)}
[data-state=failed] .write,.error{color:var(--failed)}
[data-state=confirmed] .write{color:var(--ok)}
.failure{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:2px}
.failure[hidden]{display:none}
.error{flex:1 1 100%;overflow-wrap:anywhere}
button{font:inherit;padding:1px 8px;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:inherit;cursor:pointer}
button:hover{border-color:var(--fg)}
.event time{margin-right:4px}
[data-detail=failed] .text{color:var(--failed)}
[data-detail=succeeded] .text{color:var(--ok)}
[data-detail=applied] .text,[data-detail=retried] .text{color:var(--pending)}
`;
