"""The sessionisation function the branch-counting demo runs (source text the app prefills).

Shaped like the talk's ``to_sessions``: it receives ``(client_id, pings)`` (rows of
the ``pings`` demo as nested dicts, grouped by ``client_id``), sorts the pings by
their profile subsession counter, splits them into sessions, counts breaks in
the counters and ids, and -- inside broad ``except`` handlers the author thought
would hardly ever run -- files away "known bad pings".

Run it with ``branch_count`` (group_by=client_id, row_type=dict) on the ``pings``
demo: the handler marked ``# rare`` swallows more pings than it should.
"""

FUNCTION = "to_sessions"

EXPECTATIONS = "# line: expectation -- see branch_count's help\n" \
               "mark bad ping: rare\n"

SOURCE = '''\
def to_sessions(client_pings):
    """Split one client's pings into sessions; count breaks and bad pings."""
    client_id, pings = client_pings
    client = {"client_id": client_id, "bad_pings": 0, "sessions": [],
              "breaks_by_counter": 0, "breaks_by_subsession": 0, "breaks_by_session": 0}

    def finish(session):
        last = session.pop("last")
        try:
            session["to_end"] = last["meta"]["reason"] in ("shutdown", "aborted-session")
        except Exception:  # rare
            session["to_end"] = False
        session["complete"] = session["from_start"] and session["to_end"]

    def start(first, previous_session=None):
        session = {"pings": [first["document_id"]], "last": first}
        try:
            session["from_start"] = first["payload"]["info"]["subsessionCounter"] == 1
        except Exception:  # rare
            session["from_start"] = False
        if previous_session:
            if first["payload"]["info"]["previousSessionId"] != previous_session:
                client["breaks_by_session"] += 1
        return session

    def counter(ping):
        try:
            return ping["payload"]["info"]["profileSubsessionCounter"]
        except Exception:  # rare
            return -99

    pings.sort(key=lambda p: (counter(p), p["document_id"]))
    previous = pings[0]
    session = start(previous)
    if len(pings) == 1:
        finish(session)
        client["sessions"].append(session)
        return client
    for ping in pings[1:]:
        try:
            before, now = previous["payload"]["info"], ping["payload"]["info"]
            if before["profileSubsessionCounter"] + 1 != now["profileSubsessionCounter"]:
                client["breaks_by_counter"] += 1
            if before["subsessionId"] != now["previousSubsessionId"]:
                client["breaks_by_subsession"] += 1
            if before["sessionId"] == now["sessionId"]:
                session["pings"].append(ping["document_id"])
                session["last"] = ping
            else:
                finish(session)
                client["sessions"].append(session)
                session = start(ping, before["sessionId"])
            previous = ping
        except Exception:  # rare: mark bad ping
            client["bad_pings"] += 1
    finish(session)
    client["sessions"].append(session)
    return client
'''
