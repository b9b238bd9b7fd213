// The admins' dashboard (GET /admin/{w}). Everything shown is data of the
// wedding, so everything is written with textContent, never as HTML. The
// token is kept in sessionStorage (this tab only) and sent only in the
// Authorization header, never in a URL.
(function () {
  "use strict";
  var app = document.getElementById("app");
  var api = app.getAttribute("data-api");
  var KEY = "parinaya.dashboard.token:" + api;
  var $ = function (id) { return document.getElementById(id); };
  var ctl = null; // the stream's AbortController
  var backoff = 1000;
  var retryTimer = 0, listTimer = 0;
  var unitNames = {}, eventNames = {};

  function token() { return sessionStorage.getItem(KEY); }

  function authFetch(path, signal) {
    return fetch(api + path, {
      headers: { "Authorization": "Bearer " + token(), "Accept": "application/json" },
      cache: "no-store", credentials: "omit", signal: signal
    });
  }

  // denied: the token does not stand (401), or may not read this wedding
  // (403; 404 is what a token of another wedding, or an unknown id, gets).
  function denied(status) { return status === 401 || status === 403 || status === 404; }

  // list reads one list; an error other than a denial leaves it empty
  // with a note, so one failing list does not hide the others.
  function list(path) {
    return getJSON(path).catch(function (err) {
      if (err && err.auth) { throw err; }
      return { items: [], failed: true };
    });
  }

  function getJSON(path) {
    return authFetch(path).then(function (r) {
      if (denied(r.status)) { throw { auth: true, status: r.status }; }
      if (!r.ok) { throw { status: r.status }; }
      return r.json();
    });
  }

  function cell(tr, text) {
    var td = document.createElement("td");
    td.textContent = text === undefined || text === null ? "" : String(text);
    tr.appendChild(td);
    return td;
  }

  // fill writes one row per item; mark, when given, adds the row's stable
  // hooks (data-* attributes, for tests and tools; never shown).
  function fill(tbody, rows, empty, columns, mark) {
    var frag = document.createDocumentFragment();
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      columns(row).forEach(function (v) { cell(tr, v); });
      if (mark) { mark(tr, row); }
      frag.appendChild(tr);
    });
    if (rows.length === 0) {
      var tr = document.createElement("tr");
      var td = cell(tr, empty);
      td.colSpan = tbody.parentNode.querySelector("thead tr").children.length;
      td.className = "muted";
      frag.appendChild(tr);
    }
    tbody.replaceChildren(frag);
  }

  function n(v) { return typeof v === "number" ? v : 0; }

  // EVENT_FIELDS name the cells of an event's row, in order (data-field).
  var EVENT_FIELDS = ["name", "yes_units", "yes_headcount", "no_units", "maybe_units",
    "pending_units", "invited_units", "invited_seats"];

  function renderHeadcount(h) {
    var events = Array.isArray(h.events) ? h.events : [];
    // Totals count invitations (a household once per function it is
    // invited to), like the rows; the households are said apart.
    var t = { yu: 0, yh: 0, no: 0, mb: 0, pe: 0, inv: 0, seats: 0 };
    events.forEach(function (e) {
      eventNames[e.event_id] = e.name;
      t.yu += n(e.yes_units); t.yh += n(e.yes_headcount); t.no += n(e.no_units);
      t.mb += n(e.maybe_units); t.pe += n(e.pending_units); t.inv += n(e.invited_units);
      t.seats += n(e.invited_seats);
    });
    fill($("events"), events, "No events yet.", function (e) {
      return [e.name, n(e.yes_units), n(e.yes_headcount), n(e.no_units), n(e.maybe_units),
        n(e.pending_units), n(e.invited_units), n(e.invited_seats)];
    }, function (tr, e) {
      tr.setAttribute("data-event-id", String(e.event_id));
      EVENT_FIELDS.forEach(function (f, i) { tr.children[i].setAttribute("data-field", f); });
    });
    var totals = h.totals || {};
    $("t-yes-units").textContent = String(t.yu);
    $("t-yes-headcount").textContent = String(totals.yes_headcount !== undefined ? totals.yes_headcount : t.yh);
    $("t-no").textContent = String(t.no);
    $("t-maybe").textContent = String(t.mb);
    $("t-pending").textContent = String(t.pe);
    $("t-invited").textContent = String(t.inv);
    $("households").textContent = String(n(totals.invited_units)) +
      " households invited in all. Totals count invitations: a household once for each function it is invited to.";
    $("t-seats").textContent = String(t.seats);
    $("as-of").textContent = h.as_of ? "as of " + new Date(h.as_of).toLocaleString() : "";
  }

  function loadLists() {
    return Promise.all([
      list("/units?limit=1000"),
      list("/rsvps?status=pending&limit=200"),
      list("/campaigns"),
      list("/attention")
    ]).then(function (all) {
      (all[0].items || []).forEach(function (u) { unitNames[u.id] = u.name; });
      var pend = all[1].items || [];
      fill($("pending"), pend, all[1].failed ? "Could not load; retrying with the next change." : "Nobody to chase.", function (r) {
        return [unitNames[r.unit_id] || r.unit_id, eventNames[r.event_id] || r.event_id, n(r.seats)];
      });
      $("pending-more").hidden = !all[1].next;
      fill($("campaigns"), all[2].items || [], all[2].failed ? "Could not load; retrying with the next change." : "No campaigns yet.", function (c) {
        return [c.kind ? c.kind + " " + c.id : c.id, c.state, n(c.total), n(c.sent), n(c.delivered),
          n(c.read), n(c.replied), n(c.failed)];
      });
      fill($("attention"), all[3].items || [], all[3].failed ? "Could not load; retrying with the next change." : "Nothing needs attention.", function (a) {
        return [unitNames[a.unit_id] || a.unit_id || "unknown", a.text, a.reason,
          a.received_at ? new Date(a.received_at).toLocaleString() : ""];
      });
    }).catch(onError);
  }

  // The lists follow the counts, fetched again at most once a second.
  function scheduleLists() {
    if (listTimer) { return; }
    listTimer = setTimeout(function () { listTimer = 0; loadLists(); }, 1000);
  }

  function setStatus(text, cls) {
    var s = $("status");
    s.textContent = text;
    s.className = cls;
  }

  function onError(err) {
    if (err && err.auth) {
      logout(err.status === 401 ? "That token was not accepted." : "That token cannot read this wedding.");
    }
  }

  // stream follows GET .../headcount/stream: fetch with the Authorization
  // header, Server-Sent Events parsed by hand (data: lines, blank line
  // ends an event), reconnecting with exponential backoff.
  function stream() {
    clearTimeout(retryTimer);
    if (ctl) { ctl.abort(); }
    ctl = new AbortController();
    var mine = ctl;
    setStatus("connecting…", "muted");
    authFetch("/headcount/stream", mine.signal).then(function (r) {
      if (denied(r.status)) { throw { auth: true, status: r.status }; }
      if (!r.ok || !r.body) { throw { status: r.status }; }
      setStatus("live", "live");
      var reader = r.body.getReader();
      var dec = new TextDecoder();
      var buf = "";
      var first = true;
      function pump() {
        return reader.read().then(function (res) {
          if (res.done) { throw { closed: true }; }
          buf += dec.decode(res.value, { stream: true }).replace(/\r\n?/g, "\n");
          var i;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            var block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            var data = [];
            block.split("\n").forEach(function (line) {
              if (line.indexOf("data:") === 0) { data.push(line.slice(line.charAt(5) === " " ? 6 : 5)); }
            });
            if (data.length === 0) { continue; } // a comment (keepalive)
            try {
              renderHeadcount(JSON.parse(data.join("\n")));
              backoff = 1000;
              if (!first) { scheduleLists(); }
              first = false;
            } catch (e) { /* a malformed event: wait for the next */ }
          }
          return pump();
        });
      }
      return pump();
    }).catch(function (err) {
      if (mine !== ctl || mine.signal.aborted) { return; }
      if (err && err.auth) { onError(err); return; }
      setStatus("reconnecting in " + Math.round(backoff / 1000) + " s", "down");
      retryTimer = setTimeout(stream, backoff);
      backoff = Math.min(backoff * 2, 30000);
    });
  }

  function start() {
    $("login").hidden = true;
    $("board").hidden = false;
    backoff = 1000;
    getJSON("/events").then(function (ev) {
      (ev.items || []).forEach(function (e) { eventNames[e.id] = e.name; });
    }).catch(function () {}).then(loadLists);
    stream();
  }

  function logout(msg) {
    sessionStorage.removeItem(KEY);
    clearTimeout(retryTimer);
    clearTimeout(listTimer);
    listTimer = 0;
    if (ctl) { ctl.abort(); ctl = null; }
    ["events", "pending", "campaigns", "attention"].forEach(function (id) { $(id).replaceChildren(); });
    ["t-yes-units", "t-yes-headcount", "t-no", "t-maybe", "t-pending", "t-invited", "t-seats", "households", "as-of"]
      .forEach(function (id) { $(id).textContent = ""; });
    unitNames = {}; eventNames = {};
    $("board").hidden = true;
    $("login").hidden = false;
    var e = $("login-error");
    e.textContent = msg || "";
    e.hidden = !msg;
    $("token").value = "";
  }

  $("login-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var t = $("token").value.trim();
    if (!t) { return; }
    sessionStorage.setItem(KEY, t);
    $("token").value = "";
    start();
  });
  $("forget").addEventListener("click", function () { logout(""); });
  window.addEventListener("online", function () { if (token()) { backoff = 1000; stream(); } });

  if (token()) { start(); }
})();
