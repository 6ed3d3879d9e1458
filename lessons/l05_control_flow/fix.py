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

    pings = readable_pings(pings, client)  # the fix: bad pings counted once, before sorting
    if not pings:
        return client
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


def readable_pings(pings, client):
    """The pings that carry an info block; each one without it is counted as a bad ping, once."""
    readable = []
    for ping in pings:
        if (ping.get("payload") or {}).get("info") is None:
            client["bad_pings"] += 1
        else:
            readable.append(ping)
    return readable
