/* Live updates on the home page: the signed-in user's events, from /api/events/stream.
 *
 * Shows the connection in #live-status ("Live" / "Reconnecting…") and adds each event to #live
 * (subject, UK time, a short summary of its payload), keeping the newest KEEP. The server sends
 * only the events the user's permissions allow.
 *
 * The stream names each event by its subject (`event: onbeat.core.user_created`) so that a page
 * can listen for one kind of event. An EventSource delivers a named event only to a listener for
 * that exact name, and this list shows every kind, so the stream is read with fetch and parsed
 * here the way EventSource would: it honours `retry:` and reconnects with `Last-Event-ID`, so
 * nothing sent while the connection was down is missed.
 */
(function () {
  "use strict";

  var STREAM = "/api/events/stream";
  var KEEP = 20;
  var list = document.getElementById("live");
  var status = document.getElementById("live-status");
  if (!list || !status || !window.fetch || !window.ReadableStream || !window.TextDecoder) {
    return;
  }

  var retryMs = 2000;
  var lastEventId = "";
  var controller = null;
  var timer = null;
  var stopped = false;
  var failures = 0;
  var ukTime = { timeZone: "Europe/London", dateStyle: "short", timeStyle: "medium" };

  function setStatus(text, state) {
    if (status.textContent !== text) {
      status.textContent = text;
    }
    status.setAttribute("data-state", state);
  }

  function summarise(payload) {
    if (payload === null || payload === undefined) {
      return "";
    }
    if (typeof payload !== "object") {
      return String(payload);
    }
    var parts = [];
    Object.keys(payload).forEach(function (key) {
      var value = payload[key];
      if (value === null || value === undefined || value === "") {
        return;
      }
      if (typeof value === "object") {
        value = JSON.stringify(value);
      }
      value = String(value);
      if (value.length > 40) {
        value = value.slice(0, 39) + "…";
      }
      parts.push(key.replace(/_/g, " ") + ": " + value);
    });
    var text = parts.join(", ");
    return text.length > 160 ? text.slice(0, 159) + "…" : text;
  }

  function add(data) {
    var eventId = String(data.event_id || data.id || "");
    if (eventId && list.querySelector('li[data-event-id="' + eventId.replace(/["\\]/g, "") + '"]')) {
      return;  // already shown (a replay after reconnecting)
    }
    var item = document.createElement("li");
    item.setAttribute("data-event-id", eventId);

    var when = document.createElement("time");
    var moment = data.created_at ? new Date(data.created_at) : new Date();
    if (isNaN(moment.getTime())) {
      moment = new Date();
    }
    when.setAttribute("datetime", moment.toISOString());
    when.textContent = moment.toLocaleString("en-GB", ukTime);

    var subject = document.createElement("span");
    subject.className = "subject";
    subject.textContent = data.subject || "event";

    item.appendChild(when);
    item.appendChild(subject);
    var text = summarise(data.payload);
    if (text) {
      var summary = document.createElement("span");
      summary.className = "summary";
      summary.textContent = text;
      item.appendChild(summary);
    }
    list.appendChild(item);
    while (list.children.length > KEEP) {
      list.removeChild(list.firstElementChild);
    }
  }

  // --- the text/event-stream format (html.spec.whatwg.org, "server-sent events") ---

  var dataLines = [];
  var pendingId = null;

  function dispatch() {
    if (pendingId !== null) {
      lastEventId = pendingId;
      pendingId = null;
    }
    if (!dataLines.length) {
      return;
    }
    var raw = dataLines.join("\n");
    dataLines = [];
    var data;
    try {
      data = JSON.parse(raw);
    } catch (err) {
      return;
    }
    if (data && typeof data === "object") {
      add(data);
    }
  }

  function field(line) {
    if (line === "") {
      dispatch();
      return;
    }
    if (line.charAt(0) === ":") {
      return;  // a comment: the server's heartbeat
    }
    var colon = line.indexOf(":");
    var name = colon < 0 ? line : line.slice(0, colon);
    var value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.charAt(0) === " ") {
      value = value.slice(1);
    }
    if (name === "data") {
      dataLines.push(value);
    } else if (name === "id" && value.indexOf("\u0000") < 0) {
      pendingId = value;
    } else if (name === "retry" && /^\d+$/.test(value)) {
      retryMs = parseInt(value, 10);
    }
    // "event" names the kind; every kind is shown here, and data.subject says which it is.
  }

  function read(reader) {
    var decoder = new TextDecoder("utf-8");
    var buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) {
          return;
        }
        buffer += decoder.decode(chunk.value, { stream: true });
        // A final "\r" may be the first half of "\r\n": keep it until the next chunk says.
        var held = "";
        if (buffer.charAt(buffer.length - 1) === "\r") {
          held = "\r";
          buffer = buffer.slice(0, -1);
        }
        var lines = buffer.split(/\r\n|\r|\n/);
        buffer = lines.pop() + held;  // the last piece may be half a line
        lines.forEach(field);
        return pump();
      });
    }
    return pump();
  }

  function reconnect(cleanly) {
    if (stopped) {
      return;
    }
    dataLines = [];
    pendingId = null;
    var wait = retryMs;
    if (!cleanly) {
      // After a few quick tries, back off to at most 30 seconds.
      failures += 1;
      wait = failures <= 3 ? retryMs : Math.min(retryMs * Math.pow(2, failures - 3), 30000);
      setStatus("Reconnecting…", "reconnecting");
    }
    // A stream the server ends on purpose (it does every few minutes, to check the sign-in
    // again) is picked up again quietly; if that fails, the status says so.
    clearTimeout(timer);
    timer = setTimeout(connect, wait);
  }

  function stop(text) {
    stopped = true;
    clearTimeout(timer);
    setStatus(text, "off");
  }

  function connect() {
    if (stopped) {
      return;
    }
    controller = window.AbortController ? new AbortController() : null;
    var headers = { Accept: "text/event-stream" };
    if (lastEventId) {
      headers["Last-Event-ID"] = lastEventId;
    }
    fetch(STREAM, {
      headers: headers,
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (response.status === 401) {
        stop("Live updates stopped: you are signed out. Reload the page to sign in.");
        return null;
      }
      if (response.status === 403) {
        stop("Live updates are not available to your role.");
        return null;
      }
      if (!response.ok || !response.body) {
        throw new Error("the stream answered " + response.status);
      }
      failures = 0;
      setStatus("Live", "live");
      return read(response.body.getReader()).then(function () {
        return true;
      });
    }).then(function (ended) {
      if (ended !== null) {
        reconnect(true);  // the server closed the stream
      }
    }, function () {
      reconnect(false);  // the network failed, or the page is going away
    });
  }

  window.addEventListener("pagehide", function () {
    stopped = true;
    clearTimeout(timer);
    if (controller) {
      controller.abort();
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && stopped) {
      stopped = false;
      connect();  // back from the back-forward cache
    }
  });

  connect();
}());
