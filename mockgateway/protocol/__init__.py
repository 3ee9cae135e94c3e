"""The Montnets wire protocol as pure functions: codecs, field rules, auth, numbers, content.

Nothing here holds state; the domain calls these rules and the HTTP layer calls the codecs.
"""
