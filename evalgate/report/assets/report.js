(function () {
  "use strict";
  // Every value from the data goes through textContent: model output is never parsed as HTML.
  var D = JSON.parse(document.getElementById("evalgate-data").textContent);
  var STATUSES = ["failed", "error", "regressed", "passed", "skipped", "pending"];
  var state = { status: "", tag: "", dataset: "", q: "" };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function num(v, digits) { return v === null || v === undefined ? "-" : Number(v).toFixed(digits === undefined ? 3 : digits); }
  function pct(v) { return v === null || v === undefined ? "-" : (v * 100).toFixed(1) + "%"; }
  function signed(v) {
    if (v === null || v === undefined) return "-";
    if (Math.abs(v) < 0.0005) return "±0.000";
    return (v > 0 ? "+" : "") + v.toFixed(3);
  }
  function deltaCell(v) {
    var td = el("td", "num", signed(v));
    if (v !== null && v !== undefined && Math.abs(v) >= 0.0005) td.classList.add(v < 0 ? "down" : "up");
    return td;
  }
  function json(v) { return typeof v === "string" ? v : JSON.stringify(v, null, 2); }

  function renderHeader() {
    var v = D.verdict, box = document.getElementById("verdict");
    var word = v ? ({ pass: "PASSED", fail: "FAILED", inconclusive: "INCONCLUSIVE" }[v.status] || v.status) : "NOT GATED";
    box.textContent = "Gate: " + word;
    box.classList.add(v ? v.status : "none");
    var ul = document.getElementById("reasons");
    (v ? v.reasons : []).forEach(function (r) {
      var li = el("li", r.blocking ? "" : "note");
      li.appendChild(el("span", "kind", r.kind));
      li.appendChild(document.createTextNode(": " + r.message));
      if (r.cases.length) li.appendChild(document.createTextNode(" (cases: " + r.cases.join(", ") + ")"));
      ul.appendChild(li);
    });
    var m = D.run, bits = [];
    if (m.run_id) bits.push("run " + m.run_id);
    if (m.prompt_version) bits.push("prompt version " + m.prompt_version);
    if (v && v.baseline_version) bits.push("baseline " + v.baseline_version + (m.baseline_source ? " (" + m.baseline_source + ")" : ""));
    if (m.git && m.git.sha) bits.push("git " + m.git.sha.slice(0, 12) + (m.git.branch ? " (" + m.git.branch + ")" : ""));
    if (m.started_at) bits.push("started " + m.started_at);
    document.getElementById("meta").textContent = bits.join(" · ");
    var cards = document.getElementById("summary"), t = D.totals;
    var items = [
      ["cases", t.cases], ["pass rate", pct(t.pass_rate)], ["mean score", num(t.mean_score)],
      ["failed", t.failed], ["errors", t.errors + " (" + pct(t.error_rate) + ")"], ["skipped", t.skipped],
      ["latency p50 / p95", num(D.latency.p50, 0) + " / " + num(D.latency.p95, 0) + " ms"],
      ["tokens", D.tokens.total == null ? "-" : D.tokens.total], ["cost", D.cost_usd === null ? "-" : "$" + D.cost_usd.toFixed(4)]
    ];
    if (v && v.delta !== null) items.splice(3, 0, ["score vs baseline", num(v.base_mean_score) + " → " + num(v.shared_mean_score) + " (" + signed(v.delta) + ")"]);
    if (v && v.p_value !== null) items.push(["p-value" + (v.test ? " (" + v.test + ")" : ""), num(v.p_value, 4)]);
    items.forEach(function (kv) {
      var c = el("div", "card");
      c.appendChild(el("div", "k", kv[0]));
      c.appendChild(el("div", "v", kv[1]));
      cards.appendChild(c);
    });
  }

  function field(parent, label, value, pre) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return;
    var f = el("div", "field");
    f.appendChild(el("div", "k", label));
    f.appendChild(pre ? el("pre", "", json(value)) : el("div", "", Array.isArray(value) ? value.join(", ") : value));
    parent.appendChild(f);
  }

  function renderAnswers(parent, c) {
    var box = el("div", "answers");
    box.appendChild(el("div", "k", c.base_changed ? "baseline answer (before the case changed)" : "baseline answer"));
    box.appendChild(el("div", "k", "this run's answer"));
    box.appendChild(el("pre", "base-answer", c.base_answer));
    box.appendChild(el("pre", "run-answer", c.answer || "(no answer)"));
    parent.appendChild(box);
    var f = el("div", "field");
    f.appendChild(el("div", "k", "word diff (removed, added)"));
    var pre = el("pre", "diff");
    (c.answer_diff || []).forEach(function (seg) {
      pre.appendChild(seg[0] === "=" ? document.createTextNode(seg[1]) : el(seg[0] === "-" ? "del" : "ins", "", seg[1]));
    });
    f.appendChild(pre);
    parent.appendChild(f);
  }

  function renderDetail(c) {
    var td = el("td");
    td.colSpan = 10;
    var side = el("div", "side");
    ["", "baseline", "this run", "delta"].forEach(function (h) { side.appendChild(el("div", "h", h)); });
    [["score", c.base_score, c.score, c.delta, num], ["pass rate", c.base_pass_rate, c.pass_rate,
      c.base_pass_rate === null || c.pass_rate === null ? null : c.pass_rate - c.base_pass_rate, pct]].forEach(function (r) {
      side.appendChild(el("div", "h", r[0]));
      side.appendChild(el("div", "", r[1] === null ? "-" : r[4](r[1])));
      side.appendChild(el("div", "", r[2] === null ? "-" : r[4](r[2])));
      side.appendChild(el("div", r[3] !== null && r[3] < -0.0005 ? "down" : "", signed(r[3])));
    });
    td.appendChild(side);
    if (c.base_answer) renderAnswers(td, c);
    field(td, "golden", c.file ? c.file + ":" + c.line : "");
    field(td, "comparison with the baseline", c.compare);
    field(td, "named by the gate", c.blocking);
    field(td, "details", c.detail);
    c.repeats.forEach(function (r) {
      var box = el("div", "repeat");
      box.appendChild(el("h4", "", "repeat " + r.repeat + " · " + r.status + " · " + r.outcome + " · score " + num(r.score) + " · " + num(r.latency_ms, 0) + " ms"));
      field(box, "error", r.error);
      field(box, "request", r.request, true);
      field(box, "answer", r.output, true);
      field(box, "citations", r.citations);
      field(box, "retrieved", r.retrieved);
      field(box, "tool calls", r.tool_calls.length ? r.tool_calls : null, true);
      field(box, "model / prompt version", [r.model, r.prompt_version].filter(Boolean).join(" / "));
      field(box, "tokens in / out", r.input_tokens === null && r.output_tokens === null ? "" : (r.input_tokens || 0) + " / " + (r.output_tokens || 0));
      field(box, "trace", r.trace_id);
      r.turns.forEach(function (t, i) {
        field(box, "turn " + (i + 1) + " request", t.request, true);
        field(box, "turn " + (i + 1) + " answer (" + t.outcome + ")", t.output, true);
      });
      if (r.scores.length) {
        var tbl = el("table", "scores"), head = el("tr");
        ["scorer", "score", "passed", "reason"].forEach(function (h) { head.appendChild(el("th", "", h)); });
        tbl.appendChild(head);
        r.scores.forEach(function (s) {
          var tr = el("tr");
          tr.appendChild(el("td", "", s.scorer + (s.turn !== null && s.turn !== undefined ? " (turn " + (s.turn + 1) + ")" : "")));
          tr.appendChild(el("td", "num", num(s.score)));
          tr.appendChild(el("td", "st " + (s.passed ? "passed" : "failed"), s.passed ? "pass" : "fail"));
          tr.appendChild(el("td", "", s.error ? s.reason + " [" + s.error + "]" : s.reason));
          tbl.appendChild(tr);
        });
        box.appendChild(tbl);
      }
      td.appendChild(box);
    });
    var tr = el("tr", "detail");
    tr.appendChild(td);
    return tr;
  }

  var rows = [];
  function renderRows() {
    var body = document.getElementById("rows"), frag = document.createDocumentFragment();
    D.cases.forEach(function (c) {
      var tr = el("tr", "case-row");
      tr.dataset.status = c.status;
      tr.dataset.caseId = c.id;
      tr.appendChild(el("td", "st " + c.status, c.status));
      var idc = el("td", "", c.id);
      if (c.regressed) idc.appendChild(el("span", "reg", "regressed"));
      tr.appendChild(idc);
      tr.appendChild(el("td", "", c.dataset));
      var tags = el("td");
      c.tags.forEach(function (t) { tags.appendChild(el("span", "tag", t)); });
      tr.appendChild(tags);
      tr.appendChild(el("td", "num", num(c.base_score)));
      tr.appendChild(el("td", "num", num(c.score)));
      tr.appendChild(deltaCell(c.delta));
      tr.appendChild(el("td", "num", (c.base_pass_rate !== null ? pct(c.base_pass_rate) + " → " : "") + pct(c.pass_rate)));
      tr.appendChild(el("td", "", c.reason || ""));
      tr.appendChild(el("td", "loc", c.file ? c.file + ":" + c.line : ""));
      var detail = null;
      tr.addEventListener("click", function () {
        if (detail) { detail.hidden = !detail.hidden; return; }
        detail = renderDetail(c);
        tr.parentNode.insertBefore(detail, tr.nextSibling);
      });
      var hay = [c.id, c.dataset, c.tags.join(" "), c.reason || "", c.file].concat(
        c.repeats.map(function (r) { return (r.output || "") + " " + (r.error || ""); })).join("\n").toLowerCase();
      rows.push({ c: c, tr: tr, hay: hay, detail: function () { return detail; } });
      frag.appendChild(tr);
    });
    body.appendChild(frag);
  }

  function matches(r) {
    var c = r.c;
    if (state.status === "regressed" ? !c.regressed : state.status && c.status !== state.status) return false;
    if (state.tag && c.tags.indexOf(state.tag) < 0) return false;
    if (state.dataset && c.dataset !== state.dataset) return false;
    return !state.q || r.hay.indexOf(state.q) >= 0;
  }
  function apply() {
    var shown = 0;
    rows.forEach(function (r) {
      var ok = matches(r), d = r.detail();
      r.tr.hidden = !ok;
      if (d && !ok) d.hidden = true;
      if (ok) shown++;
    });
    document.getElementById("count").textContent = shown + " of " + rows.length + " cases";
    document.getElementById("empty").hidden = shown > 0;
  }

  function renderFilters() {
    var box = document.getElementById("status-filters"), counts = {};
    D.cases.forEach(function (c) {
      counts[c.status] = (counts[c.status] || 0) + 1;
      if (c.regressed) counts.regressed = (counts.regressed || 0) + 1;
    });
    var buttons = [];
    [""].concat(STATUSES).forEach(function (s) {
      if (s && !counts[s]) return;
      var b = el("button", "", (s || "all") + " (" + (s ? counts[s] : D.cases.length) + ")");
      b.type = "button";
      b.dataset.filterStatus = s || "all";
      b.setAttribute("aria-pressed", s === state.status ? "true" : "false");
      b.addEventListener("click", function () {
        state.status = s;
        buttons.forEach(function (o) { o.setAttribute("aria-pressed", o === b ? "true" : "false"); });
        apply();
      });
      buttons.push(b);
      box.appendChild(b);
    });
    function fill(id, values, key) {
      var sel = document.getElementById(id);
      values.forEach(function (v) { var o = el("option", "", v); o.value = v; sel.appendChild(o); });
      sel.addEventListener("change", function () { state[key] = sel.value; apply(); });
    }
    fill("tag-filter", D.tags, "tag");
    fill("dataset-filter", D.datasets, "dataset");
    var search = document.getElementById("search"), timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { state.q = search.value.trim().toLowerCase(); apply(); }, 120);
    });
  }

  renderHeader();
  renderRows();
  renderFilters();
  apply();
  document.body.dataset.ready = "1";
})();
