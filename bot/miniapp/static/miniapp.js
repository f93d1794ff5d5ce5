/* The programme Mini App: reads Telegram's launch data from the URL fragment (#tgWebAppData=...),
   sends it with every request (Authorization: tma <initData>), and shows the HTML the server renders
   (already escaped, in the delegate's language). No other script, nothing from outside. */
(function () {
  "use strict";

  var KEY = "delegate-assistant:initData";
  var fragment = new URLSearchParams(window.location.hash.slice(1));
  var initData = fragment.get("tgWebAppData") || "";
  try {
    if (initData) { window.sessionStorage.setItem(KEY, initData); } else { initData = window.sessionStorage.getItem(KEY) || ""; }
  } catch (e) { /* storage may be off: the fragment still works for this page */ }

  var app = document.getElementById("app");
  var toast = document.getElementById("toast");
  var current = "/app/api/programme";
  var stack = [];

  applyTheme(fragment.get("tgWebAppThemeParams"));

  function applyTheme(raw) {
    /* Telegram's colours, when it passed them: only plain hex colours are taken. */
    if (!raw) { return; }
    var theme;
    try { theme = JSON.parse(raw); } catch (e) { return; }
    var names = ["bg_color", "text_color", "hint_color", "link_color", "button_color", "button_text_color", "secondary_bg_color"];
    names.forEach(function (name) {
      var value = theme && theme[name];
      if (typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value)) {
        document.documentElement.style.setProperty("--tg-" + name.replace(/_/g, "-"), value);
      }
    });
  }

  function request(path, options) {
    options = options || {};
    options.headers = Object.assign({ "Authorization": "tma " + initData }, options.headers || {});
    options.credentials = "omit";
    return fetch(path, options);
  }

  function refuse(text) {
    app.replaceChildren();
    var p = document.createElement("p");
    p.className = "refused";
    p.textContent = text;
    app.appendChild(p);
  }

  function show(html) {
    app.innerHTML = html;
    var view = app.querySelector(".view");
    if (view) {
      document.documentElement.lang = view.getAttribute("lang") || "en";
      document.documentElement.dir = view.getAttribute("dir") || "ltr";
      document.title = view.getAttribute("data-title") || document.title;
    }
    phoneTimes(app);
  }

  function load(path, remember) {
    if (!initData) {
      refuse("This page only works when opened from the assistant's button in Telegram.");
      return Promise.resolve();
    }
    return request(path).then(function (response) {
      return response.text().then(function (body) {
        if (response.status === 401 || response.status === 403) { refuse(body); return; }
        if (remember && path !== current) { stack.push(current); }
        current = path;
        show(body);
        window.scrollTo(0, 0);
      });
    }).catch(function () { say("…"); });
  }

  function say(text) {
    toast.textContent = text;
    toast.hidden = false;
    window.clearTimeout(say.timer);
    say.timer = window.setTimeout(function () { toast.hidden = true; }, 3500);
  }

  function phoneTimes(root) {
    /* A talk's time on the phone's clock, when the phone is not in the event's time zone. */
    root.querySelectorAll("[data-phone-time]").forEach(function (el) {
      var instant = new Date(el.getAttribute("data-phone-time"));
      var eventOffset = Number(el.parentNode.querySelector("time").getAttribute("data-offset"));
      if (isNaN(instant.getTime()) || -instant.getTimezoneOffset() === eventOffset) { return; }
      var lang = document.documentElement.lang || undefined;
      var time = new Intl.DateTimeFormat(lang, { weekday: "short", hour: "numeric", minute: "2-digit" }).format(instant);
      el.textContent = " (" + el.getAttribute("data-label").replace("{time}", time) + ")";
      el.hidden = false;
    });
  }

  function toggleStar(button) {
    var wanted = button.getAttribute("aria-pressed") !== "true";
    button.disabled = true;
    request("/app/api/star", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session: button.getAttribute("data-star"), starred: wanted })
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) { return response.text().then(refuse); }
      return response.json().then(function (result) {
        document.querySelectorAll('[data-star="' + CSS.escape(button.getAttribute("data-star")) + '"]').forEach(function (b) {
          b.setAttribute("aria-pressed", result.starred ? "true" : "false");
          b.textContent = result.starred ? "★" : "☆";
          b.title = result.starred ? b.getAttribute("data-on") : b.getAttribute("data-off");
        });
        say(result.message);
      });
    }).finally(function () { button.disabled = false; });
  }

  function more(button) {
    var item = button.parentNode;
    button.disabled = true;
    request(button.getAttribute("data-more")).then(function (response) {
      return response.text().then(function (html) {
        if (!response.ok) { button.disabled = false; return; }
        var list = item.parentNode;
        item.remove();
        list.insertAdjacentHTML("beforeend", html);
        phoneTimes(list);
        watchMore();
      });
    });
  }

  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { observer.unobserve(entry.target); more(entry.target); }
    });
  }, { rootMargin: "600px" }) : null;

  function watchMore() {
    /* The next page loads as the delegate scrolls near the end of the list. */
    if (!observer) { return; }
    app.querySelectorAll("[data-more]").forEach(function (b) { observer.observe(b); });
  }

  function filterPath(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) { if (value) { params.set(name, value); } });
    if (params.get("q")) { params.delete("day"); }
    return form.getAttribute("data-filter") + "?" + params.toString();
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-view],[data-star],[data-more],[data-back]");
    if (!target) { return; }
    event.preventDefault();
    if (target.hasAttribute("data-star")) { toggleStar(target); }
    else if (target.hasAttribute("data-more")) { more(target); }
    else if (target.hasAttribute("data-back")) { load(stack.pop() || "/app/api/programme", false); }
    else { load(target.getAttribute("data-view"), true).then(watchMore); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-filter]");
    if (!form) { return; }
    event.preventDefault();
    load(filterPath(form), false).then(watchMore);
  });

  document.addEventListener("change", function (event) {
    var form = event.target.closest("[data-filter]");
    if (form && event.target.tagName === "SELECT") { load(filterPath(form), false).then(watchMore); }
  });

  document.addEventListener("input", function (event) {
    var box = event.target.closest("[data-quick-filter]");
    if (!box) { return; }
    var wanted = box.value.trim().toLowerCase();
    document.querySelectorAll(box.getAttribute("data-quick-filter") + " > li").forEach(function (li) {
      li.hidden = wanted !== "" && (li.getAttribute("data-name") || "").indexOf(wanted) === -1;
    });
  });

  document.addEventListener("visibilitychange", function () {
    /* Back from the chat: a star made there shows here at once. */
    if (document.visibilityState === "visible" && current.indexOf("/app/api/agenda") === 0) { load(current, false); }
  });

  load(current, false).then(watchMore);
}());
