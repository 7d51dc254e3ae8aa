"""Per-protocol checks of trawl's events against the facts of what real clients sent and got
(pcaps/*.facts), run by tests/golden/facts.py. Adding a protocol's checks is adding one module here:
facts.py imports every checks/*.py (but common.py and names that start with _) and calls, for every
capture, each function the module itself defines whose name starts with check_ or exported_.

checks/PROTO.py defines:
  check_PROTO(capture, facts, events) -> int
      facts: the capture's facts (key -> value, in file order); events: trawl's JSON events for it.
      Reports each mismatch with fail(capture, msg) or expect(capture, what, got, want) and returns how
      many facts (or groups of them) it checked: 0 when the capture holds none of its protocol's facts.
      Every capture goes through every check, so it must return 0 for the others' captures.
  exported_PROTO(facts) -> set of sha256 hex digests (optional)
      The objects these facts say `trawl --export` must write (bodies, files the clients saved): the
      runner fails the capture when no exported file has one of these digests.
A module that cannot be imported, or defines no check_ function, a check that raises, or one that
returns anything but a count fails the run; so does a capture whose checks all returned 0.

checks/common.py has the helpers: fail, expect, numbered (the numbered groups http.N.*, dns.N.*), of
(events of one protocol and type), load_facts, events_of, and events_with(capture, *options): trawl run again on a
capture with options of its own (SNMP's --snmp-user with the passwords its facts record)."""
