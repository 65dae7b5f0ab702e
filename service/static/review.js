/* Transdesk review editor: keyboard shortcuts and small htmx glue. No build step; works without htmx too
 * (the shortcuts then click the same buttons, which submit the plain forms).
 *
 * Keys are matched by event.code (the physical key), so they work with any keyboard layout, e.g. Russian. */
(function () {
  "use strict";

  var SEGMENT = "li.segment";

  function segments() {
    return Array.prototype.slice.call(document.querySelectorAll(SEGMENT));
  }

  function segmentOf(el) {
    return el && el.closest ? el.closest(SEGMENT) : null;
  }

  function textareaOf(li) {
    return li ? li.querySelector("textarea[name=text]") : null;
  }

  function focusSegment(li) {
    var area = textareaOf(li);
    if (!area) return false;
    area.focus();
    area.scrollIntoView({ block: "center" });
    return true;
  }

  function move(from, step) {
    var all = segments();
    var index = all.indexOf(from);
    var next = index < 0 ? all[step > 0 ? 0 : all.length - 1] : all[index + step];
    return next ? focusSegment(next) : false;
  }

  function current() {
    var li = segmentOf(document.activeElement);
    if (li) return li;
    return null;
  }

  function press(li, action) {
    var button = li && li.querySelector('button[name=action][value="' + action + '"]');
    if (!button) return false;
    // A click (not requestSubmit) so htmx records the submitter and sends action=<value>.
    button.click();
    return true;
  }

  function insertAtCursor(area, text) {
    area.focus();
    var start = area.selectionStart, end = area.selectionEnd;
    area.setRangeText(text, start, end, "end");
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function copySource(li) {
    var area = textareaOf(li), form = li.querySelector("form.target");
    if (!area || !form) return false;
    area.value = form.getAttribute("data-source") || "";
    area.dispatchEvent(new Event("input", { bubbles: true }));
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
    return true;
  }

  function insertNextTag(li) {
    var area = textareaOf(li), form = li.querySelector("form.target");
    if (!area || !form) return false;
    var wanted = (form.getAttribute("data-tags") || "").split(" ").filter(Boolean);
    var missing = wanted.filter(function (tag) { return area.value.indexOf(tag) < 0; });
    if (!missing.length) {
      announce("data-all-tags");
      return true;
    }
    insertAtCursor(area, missing[0]);
    return true;
  }

  function announce(messageAttribute) {
    var region = document.getElementById("keys-live");
    if (region) region.textContent = region.getAttribute(messageAttribute) || "";
  }

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable ||
      (tag === "INPUT" && !/^(button|submit|checkbox|radio|reset)$/.test(el.type));
  }

  function openHelp() {
    var dialog = document.getElementById("keys-help");
    if (!dialog || dialog.open) return;
    dialog.showModal();
    var close = dialog.querySelector("button");
    if (close) close.focus();
  }

  document.addEventListener("keydown", function (event) {
    var li = current();
    var ctrl = event.ctrlKey || event.metaKey;
    var handled = false;
    if (ctrl && !event.shiftKey && !event.altKey && event.key === "Enter") {
      if (li && press(li, "save")) {
        // htmx swaps only this segment, so the next one can take the focus at once.
        if (window.htmx) move(li, 1);
        handled = true;
      }
    } else if (ctrl && event.shiftKey && !event.altKey) {
      if (li && event.code === "KeyA") handled = press(li, "approve");
      else if (li && event.code === "KeyB") handled = press(li, "send_back");
      else if (li && event.code === "KeyS") handled = copySource(li);
      else if (li && (event.code === "KeyT" || event.code === "KeyY")) handled = insertNextTag(li);
    } else if (event.altKey && !ctrl && !event.shiftKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      handled = move(li, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "?" && !ctrl && !event.altKey && !typing(event.target)) {
      openHelp();
      handled = true;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-open-help]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", openHelp);
    });
  });

  // After htmx swapped a segment: a conflict takes the focus to "keep mine", an error back to the text; otherwise
  // the focus, if the swap took it away (a clicked button), goes to the new segment's text.
  document.addEventListener("htmx:afterSettle", function (event) {
    var li = event.target && event.target.matches && event.target.matches(SEGMENT) ? event.target : null;
    if (!li || !li.isConnected) return;
    var button = li.querySelector(".conflict button");
    var active = document.activeElement;
    if (button) button.focus();
    else if (li.querySelector(".seg-message.error")) focusSegment(li);
    else if (!active || active === document.body) focusSegment(li);
  });

  // When machine drafts finish arriving, reload the segments still shown as queued.
  document.addEventListener("drafts-finished", function () {
    if (!window.htmx) return;
    Array.prototype.forEach.call(document.querySelectorAll("li.segment.state-queued form.target"), function (form) {
      window.htmx.ajax("GET", form.getAttribute("data-segment-url"), { target: segmentOf(form), swap: "outerHTML" });
    });
  });
})();
