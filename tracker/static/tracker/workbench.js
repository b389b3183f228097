/* The curator's workbench (tracker/workbench.py): select a passage or accept a suggestion, fill
   the claim form, save it through the admin's JSON views. No dependencies, no inline code: the
   page's data comes from the #workbench-data json_script element. Offsets are read from the
   pieces of text the server cut (data-start), never counted over the rendered page. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("workbench-data").textContent);
  var urls = data.urls;
  var textBox = document.getElementById("source-text");
  var form = document.getElementById("claim-form");
  var formSection = document.getElementById("claim-form-section");
  var statusLine = document.getElementById("workbench-status");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var fields = {
    claimant: document.getElementById("claim-claimant"),
    kind: document.getElementById("claim-kind"),
    text: document.getElementById("claim-text"),
    stated: document.getElementById("claim-stated"),
    status: document.getElementById("claim-status"),
    notes: document.getElementById("claim-notes"),
    events: document.getElementById("claim-events")
  };
  var draft = null; // {start, end, quote, claimant: {id, name} | null, newClaimant, events: [], repeats: [], suggestion}
  var current = -1; // the suggestion the keyboard is on

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function say(message) { statusLine.textContent = message; }

  /* --- The text, the lists --------------------------------------------------------------- */

  function render(state) {
    if (state.text_html !== undefined) textBox.innerHTML = state.text_html;
    data.claims = state.claims;
    data.suggestions = state.suggestions;
    var claimList = document.getElementById("claim-list");
    claimList.textContent = "";
    data.claims.forEach(function (claim) {
      var item = el("li", {"data-claim": claim.id});
      var link = el("a", {href: "#", "data-claim": claim.id}, claim.claimant + ": " + claim.text);
      item.appendChild(link);
      item.appendChild(el("span", {"class": "offsets"}, " [" + claim.start + "–" + claim.end + "] " + claim.kind + ", " + claim.status));
      claimList.appendChild(item);
    });
    document.getElementById("claim-count").textContent = "(" + data.claims.length + ")";
    var list = document.getElementById("suggestion-list");
    list.textContent = "";
    data.suggestions.forEach(function (suggestion, index) {
      var item = el("li", {"data-suggestion": index});
      var who = suggestion.claimant ? suggestion.claimant.name : "?";
      item.appendChild(el("span", {"class": "who"}, who + ": "));
      item.appendChild(el("q", {}, suggestion.quote.length > 160 ? suggestion.quote.slice(0, 157) + "…" : suggestion.quote));
      var accept = el("button", {type: "button", "class": "accept", "data-suggestion": index}, "Accept");
      var reject = el("button", {type: "button", "class": "reject", "data-suggestion": index}, "Reject");
      item.appendChild(accept);
      item.appendChild(reject);
      list.appendChild(item);
    });
    document.getElementById("suggestion-count").textContent = "(" + data.suggestions.length + ")";
    if (current >= data.suggestions.length) current = data.suggestions.length - 1;
    focusSuggestion(current, false);
  }

  function focusSuggestion(index, scroll) {
    document.querySelectorAll(".current").forEach(function (node) { node.classList.remove("current"); });
    current = index;
    if (index < 0 || index >= data.suggestions.length) return;
    var item = document.querySelector('#suggestion-list li[data-suggestion="' + index + '"]');
    if (item) item.classList.add("current");
    var marks = textBox.querySelectorAll("mark[data-suggestions]");
    var first = null;
    marks.forEach(function (mark) {
      if (mark.getAttribute("data-suggestions").split(" ").indexOf(String(index)) >= 0) {
        mark.classList.add("current");
        first = first || mark;
      }
    });
    if (scroll !== false && first) first.scrollIntoView({block: "center"});
  }

  /* --- Selection → offsets ---------------------------------------------------------------- */

  function pieceOf(node) {
    while (node && node !== textBox) {
      if (node.nodeType === 1 && node.hasAttribute("data-start")) return node;
      node = node.parentNode;
    }
    return null;
  }

  function offsetOf(node, offset) {
    // A point in the text box as an offset into the source's text.
    if (node === textBox) {
      var child = textBox.childNodes[offset];
      if (child && child.hasAttribute) return Number(child.getAttribute("data-start"));
      return textBox.textContent.length;
    }
    var piece = pieceOf(node);
    if (!piece) return null;
    var base = Number(piece.getAttribute("data-start"));
    if (node.nodeType === 3) return base + offset;
    return base + (offset > 0 ? piece.textContent.length : 0);
  }

  function selectionDraft() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
    var range = selection.getRangeAt(0);
    if (!textBox.contains(range.startContainer) || !textBox.contains(range.endContainer)) return null;
    var start = offsetOf(range.startContainer, range.startOffset);
    var end = offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return null;
    var quote = range.toString();
    // Whitespace at either end of a selection is not part of a quote.
    var lead = quote.length - quote.replace(/^\s+/, "").length;
    var trail = quote.length - quote.replace(/\s+$/, "").length;
    quote = quote.slice(lead, quote.length - trail);
    if (!quote) return null;
    return {start: start + lead, end: end - trail, quote: quote, claimant: null, events: [], repeats: []};
  }

  /* --- The form --------------------------------------------------------------------------- */

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (node) { node.textContent = ""; });
  }

  function openForm(next) {
    draft = next;
    clearErrors();
    formSection.hidden = false;
    document.getElementById("form-quote").textContent = draft.quote;
    document.getElementById("form-offsets").textContent = "[" + draft.start + "–" + draft.end + "]";
    fields.claimant.value = draft.claimant ? draft.claimant.name : "";
    fields.kind.value = draft.kind || "statement";
    fields.text.value = draft.quote;
    fields.stated.value = data.source.published;
    fields.status.value = "unverified";
    fields.notes.value = "";
    fields.events.value = "";
    renderEvents();
    checkRepeats();
    (draft.claimant ? fields.text : fields.claimant).focus();
  }

  function closeForm() {
    draft = null;
    formSection.hidden = true;
    textBox.focus();
  }

  function renderEvents() {
    var chips = document.getElementById("chosen-events");
    chips.textContent = "";
    (draft ? draft.events : []).forEach(function (event, index) {
      var chip = el("li", {}, event.title + (event.id === null ? " (new, " + event.date + ") " : " "));
      var remove = el("button", {type: "button", "class": "remove-event", "data-index": index, "aria-label": "remove"}, "×");
      chip.appendChild(remove);
      chips.appendChild(chip);
    });
  }

  function checkRepeats() {
    var note = document.getElementById("repeats-note");
    note.hidden = true;
    note.textContent = "";
    var asked = draft;
    fetch(urls.repeats + "?quote=" + encodeURIComponent(draft.quote), {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (asked !== draft || !body.results || !body.results.length) return;
        note.appendChild(el("p", {}, "These words already stand in another source's claims:"));
        body.results.forEach(function (other) {
          var label = el("label", {"class": "repeat-option"});
          var box = el("input", {type: "checkbox", "class": "repeat", value: other.id});
          label.appendChild(box);
          label.appendChild(document.createTextNode(" repeats " + other.claimant + " in “" + other.source + "” (" + other.slug + ")"));
          note.appendChild(label);
        });
        note.hidden = false;
      })
      .catch(function () {});
  }

  function autocomplete(input, list, url, label, choose) {
    var timer = null;
    var active = -1;
    function options() { return list.querySelectorAll("li"); }
    function mark(index) {
      options().forEach(function (node, i) { node.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var term = input.value.trim();
      if (input === fields.claimant && draft) { draft.claimant = null; draft.newClaimant = null; }
      if (!term) { list.hidden = true; return; }
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(term), {credentials: "same-origin"})
          .then(function (response) { return response.json(); })
          .then(function (body) {
            list.textContent = "";
            body.results.forEach(function (result) {
              var item = el("li", {role: "option"}, label(result));
              item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(result); list.hidden = true; });
              list.appendChild(item);
            });
            if (input === fields.claimant || input === fields.events) {
              var what = input === fields.claimant ? "actor" : "event";
              var create = el("li", {role: "option", "class": "new-" + what}, "+ New " + what + " “" + term + "”");
              create.addEventListener("mousedown", function (event) {
                event.preventDefault();
                choose({id: null, name: term, title: term, create: true});
                list.hidden = true;
              });
              list.appendChild(create);
            }
            list.hidden = !list.children.length;
            mark(list.children.length ? 0 : -1);
          });
      }, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      var count = options().length;
      if (event.key === "ArrowDown") { mark(Math.min(active + 1, count - 1)); event.preventDefault(); }
      else if (event.key === "ArrowUp") { mark(Math.max(active - 1, 0)); event.preventDefault(); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        options()[active].dispatchEvent(new MouseEvent("mousedown"));
      } else if (event.key === "Escape") { list.hidden = true; event.stopPropagation(); }
    });
    input.addEventListener("blur", function () { setTimeout(function () { list.hidden = true; }, 100); });
  }

  autocomplete(fields.claimant, document.getElementById("claimant-options"), urls.actors,
    function (actor) { return actor.name + (actor.title ? " — " + actor.title : ""); },
    function (actor) {
      if (!draft) return;
      if (actor.create) {
        draft.claimant = null;
        draft.newClaimant = {name: actor.name, kind: "person"};
        fields.claimant.value = actor.name + " (new person)";
      } else {
        draft.claimant = {id: actor.id, name: actor.name};
        draft.newClaimant = null;
        fields.claimant.value = actor.name;
      }
    });
  autocomplete(fields.events, document.getElementById("event-options"), urls.events,
    function (event) { return event.title + " (" + event.date + ")"; },
    function (event) {
      if (!draft) return;
      if (event.create) {
        // A new event, dated as the claim is said to be until the curator changes it.
        draft.events.push({id: null, title: event.title, date: fields.stated.value || data.source.published});
      } else if (!draft.events.some(function (e) { return e.id === event.id; })) draft.events.push(event);
      fields.events.value = "";
      renderEvents();
    });

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (json) { return {ok: response.ok, status: response.status, body: json}; });
    });
  }

  function save() {
    if (!draft) return;
    clearErrors();
    var body = {
      start: draft.start, end: draft.end, quote: draft.quote,
      kind: fields.kind.value, text: fields.text.value, stated: fields.stated.value,
      status: fields.status.value, notes: fields.notes.value,
      events: draft.events.filter(function (event) { return event.id !== null; }).map(function (event) { return event.id; }),
      new_events: draft.events.filter(function (event) { return event.id === null; }).map(function (event) { return {title: event.title, date: event.date}; }),
      repeats: Array.prototype.map.call(form.querySelectorAll("input.repeat:checked"), function (box) { return Number(box.value); })
    };
    if (draft.newClaimant) body.new_claimant = draft.newClaimant;
    else body.claimant = draft.claimant ? draft.claimant.id : null;
    var button = document.getElementById("claim-save");
    button.disabled = true;
    say("Saving…");
    post(urls.claims, body).then(function (result) {
      button.disabled = false;
      if (!result.ok) {
        var errors = result.body.errors || {};
        Object.keys(errors).forEach(function (name) {
          var slot = form.querySelector('.field-error[data-field="' + name + '"]');
          var prefix = "";
          if (!slot) {
            slot = form.querySelector('.field-error[data-field="non_field_errors"]');
            prefix = name + ": ";
          }
          slot.textContent = (slot.textContent ? slot.textContent + " " : "") + prefix + errors[name].join(" ");
        });
        say("Not saved: " + (result.body.detail || "error") + ".");
        return;
      }
      closeForm();
      render(result.body);
      say("Saved claim " + result.body.claim.slug + ".");
    }).catch(function () { button.disabled = false; say("Not saved: the server did not answer."); });
  }

  /* --- Suggestions ------------------------------------------------------------------------ */

  function accept(index) {
    var suggestion = data.suggestions[index];
    if (!suggestion) return;
    focusSuggestion(index, true);
    openForm({
      start: suggestion.start, end: suggestion.end, quote: suggestion.quote,
      claimant: suggestion.claimant, events: [], repeats: [], suggestion: index
    });
  }

  function reject(index) {
    var suggestion = data.suggestions[index];
    if (!suggestion) return;
    post(urls.reject, {start: suggestion.start, end: suggestion.end}).then(function (result) {
      if (!result.ok) { say("Not rejected: " + (result.body.detail || "error") + "."); return; }
      render(result.body);
      say("Suggestion rejected: it will not be offered again for this source.");
    });
  }

  function showClaim(id) {
    var claim = data.claims.filter(function (c) { return String(c.id) === String(id); })[0];
    if (!claim) return;
    var box = document.getElementById("claim-detail");
    box.textContent = "";
    box.appendChild(el("p", {}, claim.claimant + " (" + claim.kind + ", " + claim.status + ")"));
    box.appendChild(el("p", {}, claim.text));
    box.appendChild(el("a", {href: claim.url, "class": "open-claim"}, "Open claim " + claim.slug));
    box.hidden = false;
    textBox.querySelectorAll("mark.claim-open").forEach(function (m) { m.classList.remove("claim-open"); });
    textBox.querySelectorAll("mark[data-claims]").forEach(function (mark) {
      if (mark.getAttribute("data-claims").split(" ").indexOf(String(id)) >= 0) mark.classList.add("claim-open");
    });
  }

  /* --- Events ----------------------------------------------------------------------------- */

  var readOnly = document.getElementById("workbench").classList.contains("read-only");

  textBox.addEventListener("mouseup", function () {
    if (readOnly) return;
    var next = selectionDraft();
    if (next) { openForm(next); return; }
  });
  textBox.addEventListener("click", function (event) {
    if (!window.getSelection().isCollapsed) return;
    var mark = event.target.closest ? event.target.closest("mark") : null;
    if (!mark) return;
    var claims = mark.getAttribute("data-claims");
    var offered = mark.getAttribute("data-suggestions");
    if (claims) showClaim(claims.split(" ")[0]);
    else if (offered) focusSuggestion(Number(offered.split(" ")[0]), false);
  });
  document.getElementById("suggestion-list").addEventListener("click", function (event) {
    var index = Number(event.target.getAttribute("data-suggestion"));
    if (event.target.classList.contains("accept")) accept(index);
    else if (event.target.classList.contains("reject")) reject(index);
  });
  document.getElementById("claim-list").addEventListener("click", function (event) {
    var id = event.target.getAttribute("data-claim");
    if (id && event.target.tagName === "A") { event.preventDefault(); showClaim(id); }
  });
  document.getElementById("chosen-events").addEventListener("click", function (event) {
    if (!event.target.classList.contains("remove-event") || !draft) return;
    draft.events.splice(Number(event.target.getAttribute("data-index")), 1);
    renderEvents();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); save(); });
  document.getElementById("claim-cancel").addEventListener("click", closeForm);

  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && draft) {
      event.preventDefault();
      save();
      return;
    }
    if (event.key === "Escape" && draft) { closeForm(); return; }
    if (typing || event.ctrlKey || event.metaKey || event.altKey || readOnly) return;
    if (event.key === "j") focusSuggestion(Math.min(current + 1, data.suggestions.length - 1));
    else if (event.key === "k") focusSuggestion(Math.max(current - 1, 0));
    else if (event.key === "a" && current >= 0) accept(current);
    else if (event.key === "r" && current >= 0) reject(current);
    else return;
    event.preventDefault();
  });

  render({claims: data.claims, suggestions: data.suggestions});
})();
