/* Parity's pages: progressive enhancement only; every page works without this script.
 *
 * - A form or link with data-swap="frag_x" is sent with the header X-Parity-Fragment;
 *   the server answers only that block, which replaces the element with the same id
 *   (no full reload; focus moves to the notice it carries, if any).
 * - An element with data-poll="URL" is refreshed from URL every second until the server
 *   stops marking it (a running scenario comparison).
 * - Charts (.chart[data-figure]) are drawn with the Plotly bundle Parity serves itself,
 *   loaded the first time a page shows a chart's box, with or without its figure yet.
 * - An element with data-load="URL" is filled from URL (a fragment, as data-swap) once
 *   the page has painted: the dashboard's chart figures (docs/adr/0017-booking-api-speed.md).
 * - form[data-auto] submits itself when one of its selects changes.
 * - A refusal (a fragment marked data-refusal) is shown above the fragment it refused,
 *   which stays as it was (docs/adr/0016-pages-for-each-role.md).
 */
(function () {
  "use strict";

  var HEADER = "X-Parity-Fragment";
  var POLL_MS = 1000;
  var plotly = null;

  function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!plotly) {
      plotly = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = document.body.dataset.plotly;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () { plotly = null; reject(new Error("could not load the chart library")); };
        document.head.appendChild(script);
      });
    }
    return plotly;
  }

  function drawCharts(root) {
    var boxes = Array.prototype.slice.call(root.querySelectorAll(".chart[data-figure]:not([data-drawn])"));
    if (!boxes.length) {
      // Frames whose figures come later (data-load): fetch and parse the library meanwhile,
      // so the figures and the library arrive together rather than one after the other.
      if (root.querySelector(".chart:not([data-drawn])")) loadPlotly().catch(function () {});
      return;
    }
    loadPlotly().then(function (Plotly) {
      boxes.forEach(function (box) {
        var figure = JSON.parse(box.dataset.figure);
        // Only the picture download stays in the mode bar: no cloud, no selection tools,
        // one tab stop per chart (a skip link before it passes even that).
        Plotly.newPlot(box, figure.data, figure.layout, {
          responsive: true, displaylogo: false, modeBarButtons: [["toImage"]]
        });
        box.dataset.drawn = "1";
      });
    }).catch(function (error) {
      boxes.forEach(function (box) { box.textContent = error.message; });
    });
  }

  function enhance(root) {
    drawCharts(root);
    schedulePolls(root);
    loadDeferred(root);
  }

  function loadDeferred(root) {
    if (!window.fetch || !window.DOMParser) return;
    Array.prototype.forEach.call(root.querySelectorAll("[data-load]"), function (element) {
      var url = element.dataset.load;
      element.removeAttribute("data-load");
      fetchFragment(element.id, url, { method: "GET" }).catch(function () {
        element.setAttribute("data-load-failed", "1");
      });
    });
  }

  function replaceWith(id, html) {
    var parsed = new DOMParser().parseFromString(html, "text/html");
    var fresh = parsed.getElementById(id);
    var current = document.getElementById(id);
    if (!fresh || !current) return null;
    if (fresh.hasAttribute("data-refusal")) {
      // A refusal keeps the page: its message goes above what the user was working on.
      Array.prototype.forEach.call(current.querySelectorAll(".refusal"), function (old) { old.remove(); });
      var notice = document.importNode(fresh.querySelector(".refusal"), true);
      current.insertBefore(notice, current.firstChild);
      return current;
    }
    var adopted = document.importNode(fresh, true);
    current.replaceWith(adopted);
    return adopted;
  }

  function showWholePage(html) {
    document.open();
    document.write(html);
    document.close();
  }

  function focusNotice(element, fallback) {
    var notice = element.querySelector(".notice[tabindex]");
    if (notice) {
      notice.focus({ preventScroll: false });
    } else if (fallback && document.contains(fallback)) {
      fallback.focus();
    }
  }

  function fetchFragment(id, url, options) {
    var target = document.getElementById(id);
    if (target) target.setAttribute("aria-busy", "true");
    options.headers = {};
    options.headers[HEADER] = id;
    options.credentials = "same-origin";
    return fetch(url, options).then(function (response) {
      return response.text().then(function (html) {
        var swapped = replaceWith(id, html);
        if (!swapped) {
          showWholePage(html);
          return null;
        }
        enhance(swapped);
        return swapped;
      });
    }).finally(function () {
      var still = document.getElementById(id);
      if (still) still.removeAttribute("aria-busy");
    });
  }

  function onSubmit(event) {
    var form = event.target;
    var id = form.dataset.swap;
    if (!id || !window.fetch || !window.DOMParser) return;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    event.preventDefault();
    var submitter = event.submitter || null;
    var data = new FormData(form, submitter);
    var method = (form.getAttribute("method") || "get").toUpperCase();
    var url = form.action;
    var options = { method: method };
    if (method === "GET") {
      var query = new URLSearchParams(data).toString();
      url = url.split("?")[0] + (query ? "?" + query : "");
      history.replaceState(null, "", url);
    } else {
      options.body = data;
    }
    if (submitter) submitter.disabled = true;
    fetchFragment(id, url, options).then(function (swapped) {
      if (swapped) focusNotice(swapped, null);
    }).catch(function () {
      form.removeAttribute("data-swap");
      form.submit();
    }).finally(function () {
      if (submitter && document.contains(submitter)) submitter.disabled = false;
    });
  }

  function onClick(event) {
    // The evidence page's print button: a handler here, as the CSP refuses inline ones.
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    var link = event.target.closest ? event.target.closest("a[data-swap]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    if (!window.fetch || !window.DOMParser) return;
    event.preventDefault();
    var id = link.dataset.swap;
    var url = link.href.split("#")[0];
    history.replaceState(null, "", url);
    fetchFragment(id, url, { method: "GET" }).then(function (swapped) {
      if (!swapped) return;
      swapped.scrollIntoView({ block: "start" });
      var first = swapped.querySelector("select, input:not([type=hidden]), button");
      focusNotice(swapped, first || swapped);
    }).catch(function () { window.location.href = link.href; });
  }

  function onChange(event) {
    var field = event.target;
    var form = field.form;
    if (form && form.hasAttribute("data-auto") && field.tagName === "SELECT") {
      form.requestSubmit();
    }
  }

  function schedulePolls(root) {
    var polled = root.matches && root.matches("[data-poll]") ? [root] : [];
    polled = polled.concat(Array.prototype.slice.call(root.querySelectorAll("[data-poll]")));
    polled.forEach(function (element) {
      window.setTimeout(function () {
        if (!document.contains(element)) return;
        fetchFragment(element.id, element.dataset.poll, { method: "GET" }).catch(function () {
          schedulePolls(element);
        });
      }, POLL_MS);
    });
  }

  document.addEventListener("submit", onSubmit);
  document.addEventListener("click", onClick);
  document.addEventListener("change", onChange);
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
})();
