"""The inbox: one web page that shows the journal (live from a gateway, or frozen in a report).

The page (``index.html``, ``inbox.css``, ``inbox.js``) is package data served as is: no build step,
nothing fetched from elsewhere, so it works offline. The same files, inlined with the journal's
data, make the self-contained report file (:mod:`mockgateway.inbox.page`).
"""
