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

  // Poll a URL every options.every ms (POLL_MS unless given); call onData(data) when it answers
  // something new, and stop once onData returns false; back off while the server does not answer.
  // With options.onGone, an answer that says the page itself is gone (signed out: redirected to
  // the sign-in page; 403; 404) calls it and stops.
  function poll(url, options, onData, onError) {
    var every = options.every || POLL_MS;
    var delay = every;
    var etag = null;
    var stopped = false;
    function tick() {
      var headers = Object.assign({}, options.headers || {});
      if (etag) { headers["If-None-Match"] = etag; }
      fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
        .then(function (r) {
          if (options.onGone && (r.redirected || r.status === 403 || r.status === 404)) {
            stopped = true;
            options.onGone();
            return null;
          }
          if (r.status === 304) { return null; }
          if (!r.ok) { throw new Error("HTTP " + r.status); }
          etag = r.headers.get("ETag");
          return options.json ? r.json() : r.text();
        })
        .then(function (data) {
          if (stopped) { return; }
          delay = every;
          if (data !== null && onData(data) === false) {
            stopped = true;
            return;
          }
          if (options.onOk) { options.onOk(); }
        })
        .catch(function () {
          delay = Math.min(delay * 2, 30000);
          if (onError) { onError(); }
        })
        .finally(function () { if (!stopped) { setTimeout(tick, delay); } });
    }
    setTimeout(tick, every);
  }
  // For the scripts of single pages (export.js), so there is one polling rule.
  window.Consult = { poll: poll };

  // Put values in a template the server translated: "{d} d {h} h" → "13 d 23 h".
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? String(values[key]) : all;
    });
  }
  // Write digits as the page does: data-digits is the server's "0123456789" in the page's
  // digit set (Khmer on a Khmer page of an event that asks), on the element or the body.
  function digits(el, text) {
    var set = el.dataset.digits || body.dataset.digits;
    if (!set || set.length !== 10 || set === "0123456789") { return text; }
    return text.replace(/[0-9]/g, function (c) { return set.charAt(Number(c)); });
  }

  // Countdowns: any element with data-closes-at shows the time left: days and hours when
  // the deadline is far, hours and minutes within a day, mm:ss within the hour.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function timeLeft(el, left) {
    var days = Math.floor(left / 86400);
    var hours = Math.floor((left % 86400) / 3600);
    var minutes = Math.floor((left % 3600) / 60);
    if (days >= 1 && el.dataset.days) { return fill(el.dataset.days, { d: days, h: hours }); }
    if (left >= 3600 && el.dataset.hours) {
      return fill(el.dataset.hours, { h: Math.floor(left / 3600), m: pad(minutes) });
    }
    return Math.floor(left / 60) + ":" + pad(left % 60);
  }
  function updateCountdowns() {
    document.querySelectorAll("[data-closes-at]").forEach(function (el) {
      var left = Math.max(0, Math.round((Date.parse(el.dataset.closesAt) - now()) / 1000));
      var text = left > 0
        ? msg("TimeLeft") + " " + digits(el, timeLeft(el, left))
        : msg("TimeUp");
      if (el.textContent !== text) { el.textContent = text; }
      el.classList.toggle("countdown-urgent", left > 0 && left <= 30);
      if (left === 0 && !el.dataset.expired) {
        el.dataset.expired = "1";
        document.dispatchEvent(new CustomEvent("consult:deadline"));
      }
    });
  }
  if (document.querySelector("[data-closes-at], [data-live-url]")) {
    updateCountdowns();
    setInterval(updateCountdowns, 1000);
  }

  // Waiting screen: show rounds as soon as they open, without reloading.
  var waiting = document.getElementById("waiting");
  if (waiting && waiting.dataset.statusUrl) {  // an ended consultation has nothing to poll
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
      form.querySelectorAll(".submit-bar, .submit-hint").forEach(function (el) {
        el.hidden = true;
      });
    };

    var save = function (fieldset, attempt) {
      attempt = attempt || 0;
      // URL-encoded, not multipart: the server reads it with no multipart parser (a vote
      // from each of thousands of phones).
      var data = new URLSearchParams();
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

  // Projector: revealed results, one screenful at a time. The pages are measured on the
  // screen in use (a 1024×768 projector gets more pages than a 1920×1080 one); they turn
  // by themselves every few seconds, and the facilitator turns them with the buttons, the
  // arrow keys or a presentation clicker (Page Up/Down); P pauses.
  var screenBox = document.getElementById("screen-live");
  var pager = document.getElementById("screen-pager");
  var paginate = function () {};
  if (screenBox && pager) {
    var pages = [];
    var page = 0;
    var roundShown = null;
    var paused = false;
    var timer = null;
    var seconds = Number(pager.dataset.seconds) || 15;
    var counter = document.getElementById("screen-page-count");
    var pauseButton = pager.querySelector(".screen-pause");

    var fitAlone = function (li, room) {
      // One item taller than the screen: make its text smaller until it fits (not below
      // 60 %: a long list of options is better cut than unreadable).
      var size = parseFloat(getComputedStyle(li).fontSize);
      var smallest = size * 0.6;
      for (var i = 0; i < 4 && li.getBoundingClientRect().height > room; i++) {
        var now = parseFloat(getComputedStyle(li).fontSize);
        var next = Math.max(Math.floor(now * (room / li.getBoundingClientRect().height) * 0.97),
          smallest);
        if (next >= now) { break; }
        li.style.fontSize = next + "px";
      }
    };
    var show = function () {
      pages.forEach(function (items, n) {
        items.forEach(function (li) { li.hidden = n !== page; });
      });
      pager.hidden = pages.length < 2;
      counter.textContent = digits(pager,
        fill(pager.dataset.msgPage, { page: page + 1, pages: pages.length }));
    };
    var restart = function () {
      clearTimeout(timer);
      timer = null;
      if (!paused && pages.length > 1) { timer = setTimeout(function () { step(1); }, seconds * 1000); }
    };
    var step = function (by) {
      if (pages.length > 1) {
        page = (page + by + pages.length) % pages.length;
        show();
      }
      restart();
    };
    paginate = function () {
      var results = screenBox.querySelector(".screen-results");
      var list = screenBox.querySelector(".screen-tallies");
      var items = list ? Array.prototype.slice.call(list.children) : [];
      var shown = results ? results.dataset.roundId : null;
      if (shown !== roundShown) { page = 0; roundShown = shown; }
      pages = [];
      if (items.length) {
        items.forEach(function (li) { li.hidden = false; li.style.fontSize = ""; });
        var bottomGap = parseFloat(getComputedStyle(document.querySelector("main")).paddingBottom) || 0;
        var room = window.innerHeight - bottomGap - items[0].getBoundingClientRect().top;
        var current = [];
        var top = 0;
        items.forEach(function (li) {
          var box = li.getBoundingClientRect();
          if (current.length && box.bottom - top > room) { pages.push(current); current = []; }
          if (!current.length) { top = box.top; }
          current.push(li);
        });
        pages.push(current);
        pages.forEach(function (p) { if (p.length === 1) { fitAlone(p[0], room); } });
      }
      if (page >= pages.length) { page = 0; }
      show();
      if (!timer) { restart(); }
    };
    pager.addEventListener("click", function (e) {
      var link = e.target.closest("[data-step]");
      if (link) {
        e.preventDefault();
        step(Number(link.dataset.step));
        link.blur();
      }
    });
    pauseButton.addEventListener("click", function () {
      paused = !paused;
      pauseButton.textContent = paused ? pager.dataset.msgPlay : pager.dataset.msgPause;
      pauseButton.setAttribute("aria-pressed", paused ? "true" : "false");
      pauseButton.blur();
      restart();
    });
    document.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey) { return; }
      if (e.key === "ArrowRight" || e.key === "PageDown" || e.key === " ") {
        e.preventDefault();
        step(1);
      } else if (e.key === "ArrowLeft" || e.key === "PageUp") {
        e.preventDefault();
        step(-1);
      } else if (e.key === "p" || e.key === "P") {
        pauseButton.click();
      }
    });
    window.addEventListener("resize", function () { paginate(); });
    if (document.fonts && document.fonts.ready) { document.fonts.ready.then(function () { paginate(); }); }
    paginate();
  }

  // Console and projector: swap in the live parts every few seconds (on the console the
  // agenda too, so a round closed by its deadline loses its Close button by itself).
  [["console-agenda", null], ["console-live", null], ["screen-live", "screen-offline"]]
    .forEach(function (pair) {
      var box = document.getElementById(pair[0]);
      if (!box) { return; }
      var offline = pair[1] && document.getElementById(pair[1]);
      poll(box.dataset.liveUrl, {
        json: false,
        onOk: function () { if (offline) { offline.hidden = true; } }
      }, function (html) {
        var focused = box.contains(document.activeElement) ? document.activeElement : null;
        if (focused && /^(INPUT|SELECT|TEXTAREA)$/.test(focused.tagName)) {
          return; // do not pull a field from under the facilitator's fingers
        }
        // Keep what the facilitator had open or focused (a summary, a button) in place.
        var anchor = focused && focused.parentNode.closest("[id]");
        var focusAt = anchor && {
          id: anchor.id, tag: focused.tagName,
          n: Array.prototype.indexOf.call(anchor.querySelectorAll(focused.tagName), focused)
        };
        var opened = Array.prototype.map.call(box.querySelectorAll("details[open][id]"),
          function (d) { return d.id; });
        box.innerHTML = html;
        opened.forEach(function (id) {
          var details = document.getElementById(id);
          if (details) { details.open = true; }
        });
        var again = focusAt && document.getElementById(focusAt.id);
        again = again && again.querySelectorAll(focusAt.tag)[focusAt.n];
        if (again) { again.focus({ preventScroll: true }); }
        if (box === screenBox) { paginate(); }
        updateCountdowns();
      }, function () { if (offline) { offline.hidden = false; } });
    });
})();
