// Consult: keep Khmer key terms whole on Khmer pages (issue 14).
// Chromium breaks Khmer lines by dictionary and splits compounds into their parts
// (បញ្ញាសិប្ប|និម្មិត, សហ|ប្រតិបត្តិការ, ភាគរយ|យល់|ស្រប); `word-break: keep-all` does not
// apply to Khmer there. So each term below is wrapped in a `.km-term` span (white-space:
// nowrap, app.css): headings, labels, buttons and table headers keep it on one line, and lines
// still break between words. Display only: the text, a copy of it and the exports are unchanged.
// The terms are GLOSSARY.md's (the pattern tries the longest first, so a term that contains
// another is kept whole).
(function () {
  "use strict";
  if (!document.documentElement.matches(":lang(km)")) { return; }

  var TERMS = [
    "ភាគរយមិនយល់ស្រប", "ភាគរយយល់ស្រប", "ភាគរយអព្យាក្រឹត",
    "បញ្ញាសិប្បនិម្មិត", "សហប្រតិបត្តិការ", "ហេដ្ឋារចនាសម្ព័ន្ធ", "ប្រព័ន្ធអេកូឡូស៊ី",
    "អ្នកសម្របសម្រួល", "ការពិគ្រោះយោបល់", "ពិគ្រោះយោបល់", "ភាពត្រៀមខ្លួន", "ការវាយតម្លៃ",
    "សុពលភាព", "សម្របសម្រួល", "អភិបាលកិច្ច", "ពហុភាគីពាក់ព័ន្ធ", "យុទ្ធសាស្ត្រ",
    "បទប្បញ្ញត្តិ", "នវានុវត្តន៍", "បរិយាប័ន្ន", "សុខុមាលភាព", "អក្ខរកម្ម", "ក្របខណ្ឌ",
    "អេក្រង់បញ្ចាំង", "ផ្ទាំងបញ្ជា", "ព្រឹត្តិការណ៍", "មតិខ្វែងគ្នា", "មតិយោបល់",
    "ការរាប់ថយក្រោយ", "ពេលផុតកំណត់", "កម្រិតកំណត់", "កម្រិតអប្បបរមា", "ចំណាត់ថ្នាក់",
    "ព័ត៌មានផ្ទាល់ខ្លួន", "លេខកូដចូលរួម", "អ្នកចូលរួម", "តម្លៃមធ្យម", "ពិន្ទុអាទិភាព",
    "វិទ្យាសាស្ត្រ", "បច្ចេកវិទ្យា", "ប្រតិបត្តិការ", "រាជរដ្ឋាភិបាល", "ក្រសួង-ស្ថាប័ន",
    "អង្គការមិនមែនរដ្ឋាភិបាល", "សង្គមស៊ីវិល", "ដៃគូអភិវឌ្ឍន៍", "គ្រឹះស្ថានសិក្សា",
    "ឧស្សាហកម្ម", "សៀវភៅការងារ", "សន្លឹកកិច្ចការ", "បម្រែបម្រួល",
  ];
  var PATTERN = new RegExp("(" + TERMS.slice().sort(function (a, b) {
    return b.length - a.length;
  }).join("|") + ")");
  // Where: all of the page's text but what a person types or picks (inputs, lists of options)
  // and English fallbacks.
  var SKIP = "textarea, select, option, script, style, svg, title, .km-term, [lang=en]";

  function keepWhole(root) {
    var nodes = [];
    var changed = 0;
    if (root.nodeType === 3) {
      nodes.push(root);
    } else {
      var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) { nodes.push(walker.currentNode); }
    }
    nodes.forEach(function (node) {
      var parent = node.parentElement;
      if (!parent || parent.closest(SKIP) || !PATTERN.test(node.data)) { return; }
      var parts = node.data.split(PATTERN);  // odd indexes are the terms
      var fragment = document.createDocumentFragment();
      parts.forEach(function (part, index) {
        if (!part) { return; }
        if (index % 2) {
          var span = document.createElement("span");
          span.className = "km-term";
          span.textContent = part;
          fragment.appendChild(span);
        } else {
          fragment.appendChild(document.createTextNode(part));
        }
      });
      // In a flex or grid box (a .button) each span would be an item with a gap around it:
      // keep the text one item.
      if (/flex|grid/.test(getComputedStyle(parent).display)) {
        var run = document.createElement("span");
        run.appendChild(fragment);
        fragment = run;
      }
      parent.replaceChild(fragment, node);
      changed++;
    });
    return changed;
  }

  keepWhole(document.body);
  // The console, the projector and the vote page replace parts of the page as the room votes.
  // This runs before app.js (base.html), so the first measure of the projector's pages sees
  // the terms whole; after a live swap the projector measures again (app.js listens to resize).
  new MutationObserver(function (records) {
    var changed = 0;
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) {
        if (node.isConnected) { changed += keepWhole(node); }
      });
    });
    if (changed && document.getElementById("screen-live")) {
      window.dispatchEvent(new Event("resize"));
    }
  }).observe(document.body, { childList: true, subtree: true });
})();
