// Consult: small enhancements only; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var POLL_MS = 3000;
  // The server's clock, so countdowns agree even when a phone's clock is wrong.
  var body = document.body;
  var clockOffset = 0;
  if (body.dataset.serverNow) {
    clockOffset = Date.parse(body.dataset.serverNow) - Date.now();
  }
  function now() { return Date.now() + clockOffset; }
  function msg(name) { return body.dataset["msg" + name] || ""; }

  // Poll a URL; call onData(response) when it answers; back off while it does not.
  function poll(url, options, onData, onError) {
    var delay = POLL_MS;
    var etag = null;
    function tick() {
      var headers = Object.assign({}, options.headers || {});
      if (etag) { headers["If-None-Match"] = etag; }
      fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
        .then(function (r) {
          if (r.status === 304) { return null; }
          if (!r.ok) { throw new Error("HTTP " + r.status); }
          etag = r.headers.get("ETag");
          return options.json ? r.json() : r.text();
        })
        .then(function (data) {
          delay = POLL_MS;
          if (data !== null) { onData(data); }
          if (options.onOk) { options.onOk(); }
        })
        .catch(function () {
          delay = Math.min(delay * 2, 30000);
          if (onError) { onError(); }
        })
        .finally(function () { setTimeout(tick, delay); });
    }
    setTimeout(tick, POLL_MS);
  }

  // Countdowns: any element with data-closes-at shows the time left.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function updateCountdowns() {
    document.querySelectorAll("[data-closes-at]").forEach(function (el) {
      var left = Math.max(0, Math.round((Date.parse(el.dataset.closesAt) - now()) / 1000));
      var text = left > 0
        ? msg("TimeLeft") + " " + Math.floor(left / 60) + ":" + pad(left % 60)
        : msg("TimeUp");
      if (el.textContent !== text) { el.textContent = text; }
      el.classList.toggle("countdown-urgent", left > 0 && left <= 30);
      if (left === 0 && !el.dataset.expired) {
        el.dataset.expired = "1";
        document.dispatchEvent(new CustomEvent("consult:deadline"));
      }
    });
  }
  if (document.querySelector("[data-closes-at]") || document.getElementById("screen-live")) {
    updateCountdowns();
    setInterval(updateCountdowns, 1000);
  }

  // Waiting screen: show rounds as soon as they open, without reloading.
  var waiting = document.getElementById("waiting");
  if (waiting) {
    var list = document.getElementById("round-list");
    var linkTpl = document.getElementById("round-link-template");
    var noneTpl = document.getElementById("no-rounds-template");
    poll(waiting.dataset.statusUrl, { json: true, headers: { Accept: "application/json" } },
      function (data) {
        list.textContent = "";
        if (!data.rounds.length) {
          list.appendChild(noneTpl.content.cloneNode(true));
          return;
        }
        var ul = document.createElement("ul");
        ul.className = "round-links";
        data.rounds.forEach(function (round) {
          var li = linkTpl.content.cloneNode(true);
          var a = li.querySelector("a");
          a.href = round.url;
          a.textContent = round.title;
          ul.appendChild(li);
        });
        list.appendChild(ul);
      });
  }

  // Vote page: save each answer as it is given; say what is saved and what is not.
  var form = document.getElementById("vote-form");
  var roundHead = document.getElementById("round");
  if (form && roundHead) {
    var csrf = form.querySelector("input[name=csrf_token]").value;
    var banner = document.getElementById("closed-banner");
    var roundClosed = roundHead.dataset.open !== "true";

    var setStatus = function (fieldset, text, kind) {
      var status = fieldset.querySelector(".item-status");
      status.textContent = text;
      status.className = "item-status" + (kind ? " item-status-" + kind : "");
    };

    var markClosed = function () {
      if (roundClosed) { return; }
      roundClosed = true;
      banner.hidden = false;
      form.querySelectorAll("fieldset.item").forEach(function (fs) {
        if (fs.dataset.dirty === "1") { setStatus(fs, msg("NotSaved") + " " + msg("Closed"), "error"); }
        fs.disabled = true;
      });
      var submitBar = form.querySelector(".submit-bar");
      if (submitBar) { submitBar.hidden = true; }
    };

    var save = function (fieldset, attempt) {
      attempt = attempt || 0;
      var data = new FormData();
      data.append("csrf_token", csrf);
      fieldset.querySelectorAll("input, select, textarea").forEach(function (el) {
        if (!el.name || el.disabled) { return; }
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
        data.append(el.name, el.value);
      });
      fieldset.dataset.dirty = "1";
      setStatus(fieldset, msg("Saving"), "pending");
      var seq = (Number(fieldset.dataset.seq) || 0) + 1;
      fieldset.dataset.seq = seq;
      fetch(fieldset.dataset.answerUrl, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrf }
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          return { status: r.status, body: body };
        });
      }).then(function (res) {
        if (Number(fieldset.dataset.seq) !== seq) { return; } // a newer answer is on its way
        if (res.status === 200 && res.body.saved) {
          fieldset.dataset.dirty = "0";
          setStatus(fieldset, "✓ " + res.body.message, "saved");
        } else if (res.body.closed) {
          setStatus(fieldset, msg("NotSaved") + " " + res.body.message, "error");
          fieldset.dataset.dirty = "0";
          markClosed();
        } else if (res.status === 503 || res.status === 429 || res.status >= 500) {
          throw new Error("retry");
        } else {
          setStatus(fieldset, msg("NotSaved") + " " + (res.body.message || ""), "error");
        }
      }).catch(function () {
        if (Number(fieldset.dataset.seq) !== seq) { return; }
        var wait = Math.min(1000 * Math.pow(2, attempt), 15000);
        setStatus(fieldset, msg("Retrying"), "pending");
        setTimeout(function () {
          if (Number(fieldset.dataset.seq) === seq && !roundClosed) { save(fieldset, attempt + 1); }
        }, wait);
      });
    };

    var hasAnswer = function (fieldset) {
      return Array.prototype.some.call(fieldset.querySelectorAll("input, select, textarea"),
        function (el) {
          if (el.name.indexOf("comment-") === 0) { return false; }
          if (el.type === "radio" || el.type === "checkbox") { return el.checked; }
          return el.value.trim() !== "";
        });
    };

    var timers = {};
    form.addEventListener("change", function (e) {
      var fieldset = e.target.closest("fieldset.item");
      if (!fieldset || roundClosed) { return; }
      if (!hasAnswer(fieldset)) {
        fieldset.dataset.dirty = "1";
        setStatus(fieldset, msg("ChooseFirst"), "pending");
        return;
      }
      save(fieldset);
    });
    form.addEventListener("input", function (e) {
      if (e.target.tagName !== "TEXTAREA") { return; }
      var fieldset = e.target.closest("fieldset.item");
      fieldset.dataset.dirty = "1";
      setStatus(fieldset, msg("Unsaved"), "pending");
      clearTimeout(timers[fieldset.id]);
      timers[fieldset.id] = setTimeout(function () {
        if (hasAnswer(fieldset) && !roundClosed) { save(fieldset); }
      }, 1500);
    });

    var roundId = Number(roundHead.dataset.roundId);
    var checkOpen = function (data) {
      var open = data.rounds.some(function (r) { return r.id === roundId; });
      if (!open) { markClosed(); }
    };
    if (!roundClosed) {
      poll(roundHead.dataset.statusUrl, { json: true, headers: { Accept: "application/json" } },
        checkOpen);
      document.addEventListener("consult:deadline", function () {
        setTimeout(function () {
          fetch(roundHead.dataset.statusUrl, { headers: { Accept: "application/json" },
            cache: "no-store" }).then(function (r) { return r.json(); }).then(checkOpen)
            .catch(function () {});
        }, 1500);
      });
    }
  }

  // Console and projector: swap in the live part every few seconds.
  [["console-live", null], ["screen-live", "screen-offline"]].forEach(function (pair) {
    var box = document.getElementById(pair[0]);
    if (!box) { return; }
    var offline = pair[1] && document.getElementById(pair[1]);
    poll(box.dataset.liveUrl, {
      json: false,
      onOk: function () { if (offline) { offline.hidden = true; } }
    }, function (html) {
      if (box.contains(document.activeElement) && document.activeElement !== document.body) {
        return; // do not pull a button from under the facilitator's finger
      }
      box.innerHTML = html;
      updateCountdowns();
    }, function () { if (offline) { offline.hidden = false; } });
  });
})();
