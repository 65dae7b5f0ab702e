/* Transdesk review editor: the tag editor, keyboard shortcuts and small htmx glue. No build step; works without
 * htmx too (the shortcuts then click the same buttons, which submit the plain forms), and without JavaScript
 * (a plain textarea with {1}…{/1} placeholders as text).
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

  // --- the tag editor ---------------------------------------------------------------------------------------
  // Each segment's <textarea name=text> stays the form field (and the editor without JavaScript); on screen a
  // contenteditable textbox takes its place, with every placeholder as a chip (contenteditable=false) that
  // Backspace/Delete remove whole. Only chips become placeholders: typed or pasted "{1}" is literal text and is
  // written with the escaped braces of the tagged format ("{{1}}"), so it can never turn into a tag.
  var TOKEN = /\{\{|\}\}|\{(\/?)(\d+)(\/?)\}/g;
  var PLACEHOLDER = /\{\/?\d+\/?\}/g;
  var CLIPBOARD_TYPE = "application/x-transdesk-tagged";

  function isChip(node) {
    return !!node && node.nodeType === 1 && node.hasAttribute("data-tag");
  }

  function chip(token) {
    var parts = /^\{(\/?)(\d+)(\/?)\}$/.exec(token);
    var span = document.createElement("span");
    span.className = "tag tag-" + (parts[1] ? "close" : parts[3] ? "void" : "open");
    span.contentEditable = "false";
    span.setAttribute("data-tag", token);
    span.title = token;
    span.textContent = parts[1] + parts[2] + parts[3];
    // Spoken as "start of tag 1" (the page's language; see #keys-live), not as "1".
    var kind = parts[1] ? "close" : parts[3] ? "void" : "open";
    var live = document.getElementById("keys-live");
    var label = live && live.getAttribute("data-chip-" + kind);
    if (label) {
      span.setAttribute("role", "img");
      span.setAttribute("aria-label", label.replace("%(n)s", parts[2]));
    }
    return span;
  }

  // Tagged text -> a fragment of text nodes and chips; ``allowed(token)`` may refuse a chip (it is then dropped).
  function fragment(tagged, allowed) {
    var out = document.createDocumentFragment(), text = "", pos = 0, match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(tagged))) {
      text += tagged.slice(pos, match.index);
      pos = TOKEN.lastIndex;
      if (!match[2]) { text += match[0].charAt(0); continue; }  // "{{" or "}}": one literal brace
      if (allowed && !allowed(match[0])) continue;
      if (text) out.appendChild(document.createTextNode(text));
      text = "";
      out.appendChild(chip(match[0]));
    }
    text += tagged.slice(pos);
    if (text) out.appendChild(document.createTextNode(text));
    return out;
  }

  // The editor's content -> tagged text. A chip counts once and only for a tag of this segment's source.
  function serialize(editor, wanted) {
    var seen = {};
    wanted = wanted || tagsOf(editor);
    function walk(node) {
      var out = "";
      Array.prototype.forEach.call(node.childNodes, function (child) {
        if (child.nodeType === 3) {
          out += child.data.replace(/[{}]/g, "$&$&");
        } else if (isChip(child)) {
          var token = child.getAttribute("data-tag");
          if (wanted.indexOf(token) >= 0 && !seen[token]) out += token;
          seen[token] = true;
        } else if (child.nodeName === "BR") {
          out += "\n";
        } else if (child.nodeType === 1) {  // a <div>/<p> the browser made on its own: a new line
          var inner = walk(child);
          if (/^(DIV|P)$/.test(child.nodeName) && out && out.slice(-1) !== "\n") out += "\n";
          out += inner;
        }
      });
      return out;
    }
    // A lone trailing <br> is how browsers keep an empty line open; it is no text.
    return walk(editor).replace(/\n$/, "");
  }

  function formOf(el) {
    return el.closest("form.target");
  }

  function tagsOf(el) {
    var form = formOf(el);
    return ((form && form.getAttribute("data-tags")) || "").split(" ").filter(Boolean);
  }

  function areaOf(editor) {
    return document.getElementById(editor.getAttribute("data-for"));
  }

  function sync(editor) {
    var area = areaOf(editor);
    if (area) area.value = serialize(editor);
    showMissing(editor);
  }

  // The "missing tags" hint under the editor follows what is typed (approval checks the same on the server).
  function showMissing(editor) {
    var hint = document.getElementById("miss-" + editor.id.replace(/^ed-/, ""));
    var list = hint && hint.querySelector(".missing-tags");
    if (!list) return;
    var present = placeholdersIn(editor), empty = !serialize(editor).trim();
    var missing = tagsOf(editor).filter(function (tag) { return present.indexOf(tag) < 0; });
    hint.hidden = empty || !missing.length;
    list.textContent = "";
    missing.forEach(function (tag, index) {
      var shown = chip(tag);
      shown.removeAttribute("contenteditable");
      shown.removeAttribute("data-tag");
      if (index) list.appendChild(document.createTextNode(" "));
      list.appendChild(shown);
    });
  }

  function fill(editor, tagged) {
    editor.textContent = "";
    editor.appendChild(fragment(tagged));
    sync(editor);
  }

  function caretAtEnd(editor) {
    var range = document.createRange();
    range.selectNodeContents(editor);
    range.collapse(false);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function rangeIn(editor) {
    var selection = window.getSelection();
    if (selection.rangeCount && editor.contains(selection.getRangeAt(0).commonAncestorContainer)) {
      return selection.getRangeAt(0);
    }
    caretAtEnd(editor);
    return selection.getRangeAt(0);
  }

  // Put ``node`` (a chip or a fragment) at the caret, replacing the selection; the caret goes after it.
  function insertNode(editor, node) {
    var range = rangeIn(editor);
    range.deleteContents();
    var last = node.nodeType === 11 ? node.lastChild : node;
    if (!last) return;
    range.insertNode(node);
    range.setStartAfter(last);
    range.collapse(true);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    sync(editor);
  }

  // Chromium may put the caret inside a chip's own text (Home before a leading chip): move it to just before
  // the chip (or after it), where typing and deleting work as they look.
  function caretOutOfChip() {
    var selection = window.getSelection();
    if (!selection.rangeCount || !selection.isCollapsed) return;
    var node = selection.anchorNode, element = node && (node.nodeType === 3 ? node.parentNode : node);
    var owner = element && element.closest ? element.closest(".tag-editor [data-tag]") : null;
    if (!owner) return;
    var range = document.createRange();
    if (selection.anchorOffset === 0) range.setStartBefore(owner);
    else range.setStartAfter(owner);
    range.collapse(true);
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // The chip right before (or after) a collapsed caret, if any.
  function chipNextToCaret(editor, forward) {
    caretOutOfChip();
    var selection = window.getSelection();
    if (!selection.rangeCount || !selection.isCollapsed) return null;
    var node = selection.anchorNode, offset = selection.anchorOffset, sibling;
    if (!editor.contains(node)) return null;
    if (node.nodeType === 3) {
      if (forward ? offset < node.data.length : offset > 0) return null;  // a character is next to the caret
      sibling = forward ? node.nextSibling : node.previousSibling;
    } else {
      sibling = forward ? node.childNodes[offset] : node.childNodes[offset - 1];
    }
    while (sibling && sibling.nodeType === 3 && !sibling.data) sibling = forward ? sibling.nextSibling : sibling.previousSibling;
    return isChip(sibling) ? sibling : null;
  }

  function removeChip(editor, node) {
    var range = document.createRange();
    range.setStartBefore(node);
    range.collapse(true);
    node.parentNode.removeChild(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    sync(editor);
  }

  function onKeydown(event) {
    var editor = event.currentTarget;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Backspace" || event.key === "Delete") {
      var node = chipNextToCaret(editor, event.key === "Delete");
      if (node) {
        event.preventDefault();
        removeChip(editor, node);
      }
    } else if (event.key === "Enter") {
      event.preventDefault();  // a line break, never a <div> of its own
      document.execCommand("insertLineBreak");
    }
  }

  // Copy and cut carry the tagged text (text/plain for other programs, our own type for chips); a paste keeps
  // chips only from our type and only for tags of this segment not already in it; anything else is plain text.
  function onCopy(event) {
    var editor = event.currentTarget, selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return;
    var holder = document.createElement("div");
    holder.appendChild(selection.getRangeAt(0).cloneContents());
    var tagged = serialize(holder, tagsOf(editor));
    event.clipboardData.setData("text/plain", tagged.replace(/\{\{/g, "{").replace(/\}\}/g, "}"));
    event.clipboardData.setData(CLIPBOARD_TYPE, tagged);
    event.preventDefault();
    if (event.type === "cut") {
      selection.deleteFromDocument();
      sync(editor);
    }
  }

  function onPaste(event) {
    var editor = event.currentTarget;
    var tagged = event.clipboardData.getData(CLIPBOARD_TYPE);
    event.preventDefault();
    if (tagged) {
      var wanted = tagsOf(editor), present = placeholdersIn(editor);
      insertNode(editor, fragment(tagged, function (token) {
        if (wanted.indexOf(token) < 0 || present.indexOf(token) >= 0) return false;
        present.push(token);  // a tag twice in the pasted text still makes one chip
        return true;
      }));
    } else {
      document.execCommand("insertText", false, event.clipboardData.getData("text/plain"));
    }
  }

  function placeholdersIn(editor) {
    return serialize(editor).replace(/\{\{|\}\}/g, "").match(PLACEHOLDER) || [];
  }

  function enhance(root) {
    var areas = root.querySelectorAll ? root.querySelectorAll("form.target textarea[name=text]") : [];
    Array.prototype.forEach.call(areas, function (area) {
      if (area.hidden) return;
      var id = area.id.replace(/^t-/, "");
      var editor = document.createElement("div");
      editor.id = "ed-" + id;
      editor.className = "tag-editor";
      editor.contentEditable = "true";
      editor.spellcheck = true;
      editor.setAttribute("role", "textbox");
      editor.setAttribute("aria-multiline", "true");
      editor.setAttribute("aria-labelledby", "l-" + id);
      editor.setAttribute("data-for", area.id);
      ["lang", "dir", "aria-describedby"].forEach(function (name) {
        if (area.hasAttribute(name)) editor.setAttribute(name, area.getAttribute(name));
      });
      area.parentNode.insertBefore(editor, area);
      area.hidden = true;
      fill(editor, area.value);
      editor.addEventListener("input", function () { sync(editor); });
      editor.addEventListener("keydown", onKeydown);
      editor.addEventListener("copy", onCopy);
      editor.addEventListener("cut", onCopy);
      editor.addEventListener("paste", onPaste);
      editor.addEventListener("drop", function (event) { event.preventDefault(); });
    });
  }

  function textOf(li) {
    return li ? li.querySelector(".tag-editor") || li.querySelector("textarea[name=text]") : null;
  }

  function focusSegment(li) {
    var box = textOf(li);
    if (!box) return false;
    box.focus();
    if (box.isContentEditable) caretAtEnd(box);
    box.scrollIntoView({ block: "center" });
    return true;
  }

  function move(from, step) {
    var all = segments();
    var index = all.indexOf(from);
    var next = index < 0 ? all[step > 0 ? 0 : all.length - 1] : all[index + step];
    return next ? focusSegment(next) : false;
  }

  function current() {
    return segmentOf(document.activeElement);
  }

  function press(li, action) {
    var button = li && li.querySelector('button[name=action][value="' + action + '"]');
    if (!button) return false;
    var box = textOf(li);
    if (box && box.isContentEditable) sync(box);
    // A click (not requestSubmit) so htmx records the submitter and sends action=<value>.
    button.click();
    return true;
  }

  // The tagged source, read back from the source column: text (braces escaped again) and chips' placeholders.
  function sourceOf(li) {
    var shown = li.querySelector(".source"), out = "";
    Array.prototype.forEach.call(shown ? shown.childNodes : [], function (node) {
      if (node.nodeType === 3) out += node.data.replace(/[{}]/g, "$&$&");
      else if (node.classList && node.classList.contains("tag")) out += node.getAttribute("title");
      else out += (node.textContent || "").replace(/[{}]/g, "$&$&");
    });
    return out;
  }

  function copySource(li) {
    var box = textOf(li), form = li.querySelector("form.target");
    if (!box || !form) return false;
    var source = sourceOf(li);
    box.focus();
    if (box.isContentEditable) {
      fill(box, source);
      caretAtEnd(box);
    } else {
      box.value = source;
      box.setSelectionRange(box.value.length, box.value.length);
    }
    return true;
  }

  function insertNextTag(li) {
    var box = textOf(li), form = li.querySelector("form.target");
    if (!box || !form) return false;
    var wanted = (form.getAttribute("data-tags") || "").split(" ").filter(Boolean);
    var present = box.isContentEditable ? placeholdersIn(box)
      : box.value.replace(/\{\{|\}\}/g, "").match(PLACEHOLDER) || [];
    var missing = wanted.filter(function (tag) { return present.indexOf(tag) < 0; });
    if (!missing.length) {
      announce("data-all-tags");
      return true;
    }
    box.focus();
    if (box.isContentEditable) {
      insertNode(box, chip(missing[0]));
    } else {
      box.setRangeText(missing[0], box.selectionStart, box.selectionEnd, "end");
    }
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
    enhance(document);
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
    enhance(li);
    var button = li.querySelector(".conflict button");
    var active = document.activeElement;
    if (button) button.focus();
    else if (li.querySelector(".seg-message.error")) focusSegment(li);
    else if (!active || active === document.body) focusSegment(li);
  });

  document.addEventListener("selectionchange", caretOutOfChip);

  // Segments htmx brings in (after a save, or when drafts arrive) get their tag editor at once.
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });

  // When machine drafts finish arriving, reload the segments still shown as queued.
  document.addEventListener("drafts-finished", function () {
    if (!window.htmx) return;
    Array.prototype.forEach.call(document.querySelectorAll("li.segment.state-queued form.target"), function (form) {
      window.htmx.ajax("GET", form.getAttribute("data-segment-url"), { target: segmentOf(form), swap: "outerHTML" });
    });
  });
})();
