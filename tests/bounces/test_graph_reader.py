"""The Graph mailbox (bounces/graph_reader.py) against the stand-in (tests/m365_mail.py): the
documented requests, paging, throttling, a renewed token, and what each refusal says."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from bounce_world import FILES, REPORTS
from m365_server import Canned, M365Server, Waits
from mailboxes import graph_settings, graph_tokens

from briefcast.bounces.graph_reader import PAGE, open_graph_mailbox
from briefcast.bounces.mailbox import MailboxError
from briefcast.delivery.oauth import TokenError

PERSON = (REPORTS / "person-writing.eml").read_bytes()
REPORT = (REPORTS / "exchange-5.1.10-recipient-not-found.eml").read_bytes()


def read_all(cloud: M365Server, **options) -> list[bytes]:
    with open_graph_mailbox(graph_settings(cloud), graph_tokens(cloud), **options) as mailbox:
        return [data for _, data in mailbox.messages()]


def calls(cloud: M365Server, method: str, part: str) -> list[str]:
    return [unquote(target) for m, target in cloud.mail.calls if m == method and part in target]


def test_the_folder_is_listed_page_after_page_before_anything_moves(graph_cloud):
    sent = [(REPORTS / name).read_bytes() for name in FILES]
    for data in sent:
        graph_cloud.mail.deliver(data)
    with open_graph_mailbox(graph_settings(graph_cloud), graph_tokens(graph_cloud)) as mailbox:
        read = []
        for key, data in mailbox.messages():
            read.append(data)
            mailbox.move(key)
    assert read == sent  # every one, oldest first, though each moved as it was read
    pages = calls(graph_cloud, "GET", "/messages?")
    assert len(pages) == 3  # 22 messages, at most 10 a page from the stand-in
    assert "$select=id" in pages[0] and f"$top={PAGE}" in pages[0]
    assert "$orderby=receivedDateTime asc" in pages[0]
    assert "$skip=10" in pages[1] and "$skip=20" in pages[2]
    assert len(calls(graph_cloud, "GET", "/$value")) == len(FILES)
    assert graph_cloud.mail.folder("briefcast/processed") == sent


def test_the_done_folder_is_made_level_by_level_then_found(graph_cloud):
    graph_cloud.mail.deliver(REPORT)
    with open_graph_mailbox(graph_settings(graph_cloud), graph_tokens(graph_cloud)) as mailbox:
        [(key, _)] = list(mailbox.messages())
        mailbox.move(key)
    top = _id(graph_cloud, "briefcast")
    made = [
        target.split("/learning@example.org/")[1]
        for target in calls(graph_cloud, "POST", "Folders")
    ]
    assert made == ["mailFolders", f"mailFolders/{top}/childFolders"]
    assert mailbox.done_id == _id(graph_cloud, "processed")
    graph_cloud.mail.calls.clear()
    with open_graph_mailbox(graph_settings(graph_cloud), graph_tokens(graph_cloud)):
        pass
    assert calls(graph_cloud, "POST", "Folders") == []  # found by name the second time
    assert graph_cloud.mail.folder("briefcast/processed") == [REPORT]


def test_folders_are_found_by_display_name_whatever_the_case(graph_cloud):
    graph_cloud.mail.add_folder("Briefcast/Processed")
    graph_cloud.mail.add_folder("Reports")
    graph_cloud.mail.deliver(REPORT, folder=_id(graph_cloud, "Reports"))
    settings = graph_settings(graph_cloud, folder="reports")
    with open_graph_mailbox(settings, graph_tokens(graph_cloud)) as mailbox:
        [(key, _)] = list(mailbox.messages())
        mailbox.move(key)
    assert calls(graph_cloud, "POST", "Folders") == []
    assert graph_cloud.mail.folder("Briefcast/Processed") == [REPORT]


def _id(cloud: M365Server, name: str) -> str:
    return next(f.id for f in cloud.mail.folders.values() if f.name == name)


def test_a_folder_made_meanwhile_by_another_reader_is_found(graph_cloud):
    graph_cloud.mail.add_folder("briefcast")

    def race(method: str, target: str) -> None:
        # Another reader makes "processed" between our look and our POST: ours gets 409.
        if method == "POST" and target.endswith("/childFolders"):
            graph_cloud.mail.add_folder("briefcast/processed")

    graph_cloud.mail.on_call = race
    with open_graph_mailbox(graph_settings(graph_cloud), graph_tokens(graph_cloud)) as mailbox:
        assert mailbox.done_id == _id(graph_cloud, "processed")
    assert len(calls(graph_cloud, "POST", "/childFolders")) == 1


def test_throttling_is_waited_out_as_retry_after_asks(graph_cloud):
    graph_cloud.mail.deliver(REPORT)
    graph_cloud.mail.answers.append(
        Canned(429, {"Retry-After": "7"}, ("ApplicationThrottled", "Application is over its limit"))
    )
    waits = Waits()
    assert read_all(graph_cloud, sleep=waits) == [REPORT]
    assert waits == [7]


def test_throttling_that_goes_on_is_one_line_for_the_next_fetch(graph_cloud):
    graph_cloud.mail.answers.extend([Canned(503, {"Retry-After": "2"})] * 4)
    waits = Waits()
    with pytest.raises(MailboxError) as caught:
        read_all(graph_cloud, sleep=waits)
    assert waits == [2, 2, 2]  # four tries, as the graph transport makes
    message = str(caught.value)
    assert "Graph answered 503" in message and "asked to wait 2 s" in message
    assert "next fetch" in message and "\n" not in message


def test_a_long_retry_after_is_left_to_the_next_fetch(graph_cloud):
    graph_cloud.mail.answers.append(Canned(429, {"Retry-After": "3600"}))
    waits = Waits()
    with pytest.raises(MailboxError, match="asked to wait 3600 s"):
        read_all(graph_cloud, sleep=waits)
    assert waits == []


def test_a_revoked_token_is_renewed_once(graph_cloud):
    graph_cloud.mail.deliver(REPORT)
    tokens = graph_tokens(graph_cloud)
    with open_graph_mailbox(graph_settings(graph_cloud), tokens) as mailbox:
        graph_cloud.revoke()  # mid-fetch, as an expired token would be
        assert [data for _, data in mailbox.messages()] == [REPORT]
    assert tokens.requests == 2 and len(graph_cloud.tokens) == 2


def test_a_token_refused_twice_names_the_permission(graph_cloud):
    refused = Canned(401, error=("InvalidAuthenticationToken", "Access token is invalid."))
    graph_cloud.mail.answers.extend([refused, refused])
    with pytest.raises(MailboxError) as caught:
        read_all(graph_cloud)
    message = str(caught.value)
    assert "401 InvalidAuthenticationToken" in message and "Mail.ReadWrite" in message
    assert len(graph_cloud.tokens) == 2 and "\n" not in message


def test_an_app_without_mail_readwrite_is_told_so_in_one_line(cloud):
    cloud.mail.deliver(REPORT)  # the app has Mail.Send only
    with pytest.raises(MailboxError) as caught:
        read_all(cloud)
    message = str(caught.value)
    assert message.startswith("Graph mailbox learning@example.org: Graph answered 403 ")
    assert "ErrorAccessDenied" in message and "Mail.ReadWrite" in message
    assert "application access policy" in message and "\n" not in message


def test_a_mailbox_outside_the_access_policy_is_told_so_in_one_line(graph_cloud):
    graph_cloud.mail.policy_allows = False
    with pytest.raises(MailboxError) as caught:
        read_all(graph_cloud)
    message = str(caught.value)
    assert "Blocked by tenant configured AppOnly AccessPolicy" in message
    assert "application access policy or RBAC for Applications" in message
    assert "\n" not in message


def test_another_mailbox_names_the_setting(graph_cloud):
    settings = graph_settings(graph_cloud, mailbox="someone.else@example.org")
    with (
        pytest.raises(MailboxError) as caught,
        open_graph_mailbox(settings, graph_tokens(graph_cloud)),
    ):
        pass
    assert "404 ErrorInvalidUser" in str(caught.value)
    assert "BRIEFCAST_BOUNCE_GRAPH_MAILBOX" in str(caught.value)


def test_a_message_moved_meanwhile_by_another_reader_is_passed_over(graph_cloud):
    first = graph_cloud.mail.deliver(REPORT)
    graph_cloud.mail.deliver(PERSON)
    with open_graph_mailbox(graph_settings(graph_cloud), graph_tokens(graph_cloud)) as mailbox:
        read = mailbox.messages()
        key, _ = next(read)
        assert key == first
        mailbox.move(key)
        mailbox.move(key)  # already gone (404): where it was going anyway
        graph_cloud.mail.messages.clear()  # the second one goes too, before it is fetched
        assert list(read) == []


def test_a_next_link_to_another_host_is_not_followed(graph_cloud):
    for _ in range(11):
        graph_cloud.mail.deliver(REPORT)
    graph_cloud.mail.next_links_to = "https://graph.example.net"
    with pytest.raises(
        MailboxError, match=r"a next link to another host: https://graph\.example\.net/"
    ):
        read_all(graph_cloud)


def test_without_a_token_source_it_says_what_to_configure(graph_cloud):
    with (
        pytest.raises(MailboxError, match="BRIEFCAST_OAUTH_"),
        open_graph_mailbox(graph_settings(graph_cloud), None),
    ):
        pass


def test_a_wrong_client_secret_is_the_token_endpoints_one_line(graph_cloud):
    from briefcast.delivery.oauth import GRAPH_SCOPE, TokenSource

    tokens = TokenSource(graph_cloud.oauth(client_secret="wrong"), GRAPH_SCOPE, timeout=5)
    with (
        pytest.raises(TokenError, match="AADSTS7000215"),
        open_graph_mailbox(graph_settings(graph_cloud), tokens),
    ):
        pass
    assert graph_cloud.mail.calls == []


def test_a_message_larger_than_any_report_is_left_as_it_is(graph_cloud, monkeypatch):
    from briefcast.bounces import graph_reader

    monkeypatch.setattr(graph_reader, "MAX_MESSAGE", len(PERSON))
    graph_cloud.mail.deliver(PERSON + b"\r\n" + b"x" * 100)  # over the limit
    graph_cloud.mail.deliver(PERSON)
    assert read_all(graph_cloud) == [PERSON]
    assert len(graph_cloud.mail.folder("inbox")) == 2
