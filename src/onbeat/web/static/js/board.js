/* The control-room board: live from /api/events/stream.
 *
 * Reads the stream with fetch (as live.js does, so every named event arrives and Last-Event-ID
 * resumes after a drop). A unit's new location moves its marker at once; any other command event
 * (incident opened, graded, closed, unit assigned, status changed, target breached) fetches the
 * board's tables and map again from #board's data-live-url, at most once a second. Countdowns
 * tick every second from each row's data-target. A tile server's base layer, when one is
 * configured, is kept across refreshes (the same tiles, already drawn), so the map never flickers.
 */
(function () {
  "use strict";

  var board = document.getElementById("board");
  var status = document.getElementById("board-status");
  if (!board || !status || !window.fetch || !window.ReadableStream || !window.TextDecoder) {
    return;
  }
  var lastEventId = "";
  var retryMs = 2000;
  var pending = null;
  var fetching = false;

  function setStatus(text, state) {
    status.textContent = text;
    status.setAttribute("data-state", state);
  }

  function span(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    return minutes >= 60 ? Math.floor(minutes / 60) + " h " + (minutes % 60) + " min" : minutes + " min";
  }

  function tick() {
    var now = Date.now();
    board.querySelectorAll("td.countdown[data-target]").forEach(function (cell) {
      var seconds = (new Date(cell.getAttribute("data-target")).getTime() - now) / 1000;
      var text = seconds >= 0 ? span(seconds) + " left" : "Target missed by " + span(seconds);
      var state = seconds >= 0 ? "running" : "breached";
      if (cell.getAttribute("data-state") !== state || cell.getAttribute("data-shown") !== text) {
        cell.setAttribute("data-state", state);
        cell.setAttribute("data-shown", text);
        cell.textContent = "";
        var node = document.createElement(state === "breached" ? "strong" : "span");
        node.textContent = text;
        cell.appendChild(node);
      }
    });
  }

  function refresh() {
    if (fetching) {
      pending = pending || setTimeout(function () { pending = null; refresh(); }, 1000);
      return;
    }
    fetching = true;
    fetch(board.getAttribute("data-live-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null) {
          var tiles = board.querySelector("g.map-tiles");
          board.innerHTML = html;
          var fresh = board.querySelector("g.map-tiles");
          if (tiles && fresh && tiles.innerHTML === fresh.innerHTML) {
            fresh.parentNode.replaceChild(tiles, fresh);
          }
          tick();
        }
      })
      .finally(function () { fetching = false; });
  }

  function schedule() {
    if (!pending) {
      pending = setTimeout(function () { pending = null; refresh(); }, 300);
    }
  }

  function move(p) {
    var svg = document.getElementById("board-svg");
    var marker = svg && svg.querySelector('g.map-unit[data-unit-id="' + String(p.id).replace(/["\\]/g, "") + '"]');
    if (!marker || typeof p.lat !== "number") {
      return;
    }
    var lat0 = parseFloat(svg.getAttribute("data-lat0"));
    var lon0 = parseFloat(svg.getAttribute("data-lon0"));
    var kmPerPx = parseFloat(svg.getAttribute("data-km-per-px"));
    var box = svg.viewBox.baseVal;
    var x = (p.lon - lon0) * 111.195 * Math.cos(lat0 * Math.PI / 180) / kmPerPx + box.width / 2;
    var y = box.height / 2 - (p.lat - lat0) * 111.195 / kmPerPx;
    marker.setAttribute("transform", "translate(" + x.toFixed(1) + "," + y.toFixed(1) + ")");
  }

  function handle(data) {
    var subject = data.subject || "";
    if (subject.indexOf("onbeat.command.") !== 0) {
      return;
    }
    if (subject === "onbeat.command.units_moved") {
      ((data.payload || {}).units || []).forEach(move);
    } else {
      schedule();
    }
  }

  var dataLines = [];
  var pendingId = null;

  function line(text) {
    if (text === "") {
      if (pendingId !== null) { lastEventId = pendingId; pendingId = null; }
      if (dataLines.length) {
        var raw = dataLines.join("\n");
        dataLines = [];
        try { handle(JSON.parse(raw)); } catch (err) { /* not JSON: ignore */ }
      }
      return;
    }
    if (text.charAt(0) === ":") {
      return;
    }
    var colon = text.indexOf(":");
    var name = colon < 0 ? text : text.slice(0, colon);
    var value = colon < 0 ? "" : text.slice(colon + 1).replace(/^ /, "");
    if (name === "data") {
      dataLines.push(value);
    } else if (name === "id") {
      pendingId = value;
    } else if (name === "retry" && /^\d+$/.test(value)) {
      retryMs = parseInt(value, 10);
    }
  }

  function connect() {
    var headers = { Accept: "text/event-stream" };
    if (lastEventId) {
      headers["Last-Event-ID"] = lastEventId;
    }
    fetch("/api/events/stream", { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          setStatus("Live updates stopped: reload the page to sign in again.", "off");
          return null;
        }
        if (!response.ok || !response.body) {
          throw new Error("stream " + response.status);
        }
        setStatus("Live", "live");
        var reader = response.body.getReader();
        var decoder = new TextDecoder("utf-8");
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              return;
            }
            buffer += decoder.decode(chunk.value, { stream: true });
            var lines = buffer.split(/\r\n|\n|\r(?!$)/);
            buffer = lines.pop();
            lines.forEach(line);
            return pump();
          });
        }
        return pump().then(function () { return true; });
      })
      .then(function (ended) {
        if (ended) {
          setTimeout(connect, retryMs);
        }
      }, function () {
        setStatus("Reconnecting…", "reconnecting");
        setTimeout(connect, Math.max(retryMs, 2000));
      });
  }

  setInterval(tick, 1000);
  tick();
  connect();
}());
