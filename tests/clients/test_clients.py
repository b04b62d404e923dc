"""Real clients against two running instances: Mastodon.py and toot log in (password and
the out-of-band code flow), post, reply, follow a member of the other instance, read their
home timeline and notifications; Mastodon.py also uploads media, polls, votes, streams, and lists
the private conversation a mentoring request opens."""

import base64
import html
import os
import re
import subprocess
import threading
import time

import pytest
import requests
from mastodon import Mastodon, StreamListener

A = os.environ["TSUNAGU_A_URL"]
B = os.environ["TSUNAGU_B_URL"]
B_DOMAIN = os.environ["TSUNAGU_B_DOMAIN"]
A_DOMAIN = os.environ["TSUNAGU_A_DOMAIN"]
PASSWORD = "correct horse battery"


def eventually(check, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out waiting until {what}")


def login(base, email):
    client_id, client_secret = Mastodon.create_app(
        "Mastodon.py tests", api_base_url=base, scopes=["read", "write", "follow"]
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    # Development instances speak plain http on loopback.
    api.log_in(email, PASSWORD, scopes=["read", "write", "follow"], allow_http=True)
    return api


def test_mastodon_py_posts_replies_follows_and_reads_home():
    alice = login(A, "alice@example.org")
    bob = login(B, "bob@example.org")
    assert alice.account_verify_credentials()["username"] == "alice"
    assert alice.instance()["version"].startswith("4.3.0")

    # Bob on the other instance follows Alice, found through search with resolve.
    found = bob.search_v2(f"@alice@{A_DOMAIN}", resolve=True)
    assert found["accounts"], found
    target = found["accounts"][0]
    bob.account_follow(target["id"])
    eventually(lambda: bob.account_relationships(target["id"])[0]["following"], "bob follows alice")

    post = alice.status_post("Looking for alumni in logistics #careers")
    reply = alice.status_post("Osaka or Kobe preferred", in_reply_to_id=post["id"])
    assert reply["in_reply_to_id"] == post["id"]
    context = alice.status_context(post["id"])
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]

    home = eventually(
        lambda: [s for s in bob.timeline_home() if s["uri"] in (post["uri"], reply["uri"])],
        "alice's posts reach bob's home timeline",
    )
    assert any("logistics" in s["content"] for s in home)

    # Bob answers from his instance; the reply reaches Alice's thread and notifications.
    copy = next(s for s in bob.timeline_home() if s["uri"] == post["uri"])
    answer = bob.status_post(f"@alice@{A_DOMAIN} I work at a port in Kobe", in_reply_to_id=copy["id"])
    eventually(
        lambda: any(d["uri"] == answer["uri"] for d in alice.status_context(post["id"])["descendants"]),
        "bob's answer joins the thread on alice's instance",
    )
    eventually(
        lambda: any(n["type"] == "mention" for n in alice.notifications()),
        "alice is notified of the mention",
    )


def toot(*args, stdin=None):
    result = subprocess.run(["toot", *args], input=stdin, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"toot {' '.join(args)} failed: {result.stdout}\n{result.stderr}"
    return result.stdout


def test_toot_logs_in_posts_replies_follows_and_reads_home():
    toot("login_cli", "--instance", A, "--email", "carol@example.org", "--password", PASSWORD)
    assert "carol" in toot("whoami")
    out = toot("post", "Hello from toot, any mentors in robotics?")
    assert "Toot posted" in out or "posted" in out.lower(), out
    carol = login(A, "carol@example.org")
    mine = carol.account_statuses(carol.account_verify_credentials()["id"])
    assert mine and "robotics" in mine[0]["content"]
    toot("post", "--reply-to", str(mine[0]["id"]), "Replying to myself with more detail")
    replies = carol.status_context(mine[0]["id"])["descendants"]
    assert len(replies) == 1 and "more detail" in replies[0]["content"]

    toot("follow", f"bob@{B_DOMAIN}")
    bob_account = carol.search_v2(f"@bob@{B_DOMAIN}", resolve=True)["accounts"][0]
    eventually(lambda: carol.account_relationships(bob_account["id"])[0]["following"], "carol follows bob")
    bob = login(B, "bob@example.org")
    posted = bob.status_post("Bob's update for followers")
    eventually(lambda: "Bob's update" in toot("timeline", "--once"), "bob's post shows in carol's toot timeline")
    assert posted["uri"]

    bob.status_post(f"@carol@{A_DOMAIN} thanks for the follow!")
    eventually(
        lambda: "thanks for the follow" in toot("notifications"),
        "bob's mention shows in carol's toot notifications",
    )


# A 1x1 PNG image.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_mastodon_py_uploads_media_and_polls(tmp_path):
    alice = login(A, "alice@example.org")
    carol = login(A, "carol@example.org")
    picture = tmp_path / "dot.png"
    picture.write_bytes(TINY_PNG)

    media = alice.media_post(str(picture), mime_type="image/png", description="A dot", focus=(0.5, -0.5))
    assert media["type"] == "image"
    assert media["description"] == "A dot"
    assert media["meta"]["focus"]["x"] == 0.5
    media = alice.media_update(media["id"], description="A single dot")
    assert media["description"] == "A single dot"
    status = alice.status_post("The reunion venue", media_ids=[media["id"]])
    assert status["media_attachments"][0]["id"] == media["id"]
    assert requests.get(status["media_attachments"][0]["url"], timeout=10).content == TINY_PNG

    # Text pretending to be an image is refused.
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"not an image at all")
    with pytest.raises(Exception) as refused:
        alice.media_post(str(fake), mime_type="image/png")
    assert "422" in str(refused.value) or "image" in str(refused.value)

    poll = alice.make_poll(["Friday", "Saturday"], expires_in=3600)
    question = alice.status_post("When shall we meet?", poll=poll)
    assert [o["title"] for o in question["poll"]["options"]] == ["Friday", "Saturday"]
    voted = carol.poll_vote(question["poll"]["id"], [1])
    assert voted["own_votes"] == [1]
    assert alice.poll(question["poll"]["id"])["options"][1]["votes_count"] == 1


class Collector(StreamListener):
    def __init__(self):
        super().__init__()
        self.updates = []
        self.notifications = []
        self.lock = threading.Lock()

    def on_update(self, status):
        with self.lock:
            self.updates.append(status)

    def on_notification(self, notification):
        with self.lock:
            self.notifications.append(notification)


def test_mastodon_py_streams_over_sse_and_websocket():
    alice = login(A, "alice@example.org")
    carol = login(A, "carol@example.org")
    assert alice.stream_healthy()

    # Server-sent events: the user stream.
    user = Collector()
    handle = alice.stream_user(user, run_async=True)
    try:
        eventually(handle.is_receiving, "the user stream is open")
        time.sleep(0.5)
        mine = alice.status_post("Streaming hello")
        carol.status_post("@alice are you on the stream?")
        eventually(lambda: any(s["id"] == mine["id"] for s in user.updates), "alice's post is streamed")
        eventually(
            lambda: any(n["type"] == "mention" for n in user.notifications), "the mention is streamed"
        )
    finally:
        handle.close()

    # WebSocket: a hashtag stream on a shared connection.
    tagged = Collector()
    socket = carol.stream_open_websocket()
    try:
        carol.stream_hashtag("Mentoring", tagged, websocket_handle=socket)
        eventually(socket.is_receiving, "the WebSocket is open")
        time.sleep(0.5)
        post = alice.status_post("Open office hours #mentoring")
        alice.status_post("Untagged chatter")
        eventually(lambda: any(s["id"] == post["id"] for s in tagged.updates), "the tagged post is streamed")
        time.sleep(0.5)
        assert all("mentoring" in s["content"] for s in tagged.updates), tagged.updates
    finally:
        socket.close()


def test_toot_out_of_band_code_login():
    """`toot login`: toot prints the authorization URL and asks for the code the server shows
    on its out-of-band page after the member signs in there."""
    env = dict(os.environ, XDG_CONFIG_HOME=os.environ["XDG_CONFIG_HOME"] + "-oob")
    proc = subprocess.Popen(
        ["toot", "login", "--instance", A],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        url = None
        seen = []
        while url is None:
            line = proc.stdout.readline()
            assert line, f"toot ended before printing a login URL: {seen}"
            seen.append(line)
            if line.strip().startswith("http") and "/oauth/authorize" in line:
                url = line.strip()
        proc.stdin.write("n\n")
        proc.stdin.flush()

        # The member signs in on the page the URL leads to; the server shows the code.
        page = requests.get(url, timeout=10)
        assert page.status_code == 200 and "<form" in page.text
        fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', page.text))
        fields = {k: html.unescape(v) for k, v in fields.items()}
        fields.update(username="alice@example.org", password=PASSWORD)
        shown = requests.post(f"{A}/oauth/authorize", data=fields, timeout=10)
        assert shown.status_code == 200, shown.text
        code = re.search(r'<code id="code">([^<]+)</code>', shown.text).group(1)

        proc.stdin.write(code + "\n")
        proc.stdin.flush()
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, "".join(seen) + out
        assert "Successfully logged in" in out
    finally:
        if proc.poll() is None:
            proc.kill()
    whoami = subprocess.run(["toot", "whoami"], capture_output=True, text=True, env=env, timeout=60)
    assert whoami.returncode == 0 and "alice" in whoami.stdout, whoami.stdout + whoami.stderr


def test_mastodon_py_lists_the_conversation_a_mentoring_request_opens():
    carol = login(A, "carol@example.org")
    bob = login(B, "bob@example.org")

    def call(api, base, method, path, **body):
        res = requests.request(
            method, f"{base}{path}", json=body, headers={"Authorization": f"Bearer {api.access_token}"}
        )
        assert res.status_code == 200, res.text
        return res.json()

    # Carol follows Bob, so his instance tells hers when he starts offering mentoring.
    mentor = carol.search_v2(f"@bob@{B_DOMAIN}", resolve=True)["accounts"][0]
    carol.account_follow(mentor["id"])
    eventually(lambda: carol.account_relationships(mentor["id"])[0]["following"], "carol follows bob")
    call(bob, B, "PUT", "/api/v1/tsunagu/mentoring/profile", available=True, topics=["logistics"], capacity=2)
    mentors = eventually(
        lambda: call(carol, A, "GET", "/api/v1/tsunagu/mentors?topic=logistics"),
        "bob's offer reaches carol's instance",
    )
    assert [m["account"]["id"] for m in mentors] == [mentor["id"]]
    call(carol, A, "POST", "/api/v1/tsunagu/mentoring/requests", mentor_id=mentor["id"], message="Ports, please")
    request = eventually(
        lambda: next(
            (r for r in call(bob, B, "GET", "/api/v1/tsunagu/mentoring/requests?role=mentor") if r["state"] == "pending"),
            None,
        ),
        "bob's instance has carol's request",
    )
    call(bob, B, "POST", f"/api/v1/tsunagu/mentoring/requests/{request['id']}/accept")

    def with_partner(api, acct):
        return next((c for c in api.conversations() if any(a["acct"] == acct for a in c["accounts"])), None)

    mine = eventually(lambda: with_partner(carol, f"bob@{B_DOMAIN}"), "carol lists the conversation")
    assert "Ports, please" in mine["last_status"]["content"]
    eventually(lambda: with_partner(bob, f"carol@{A_DOMAIN}"), "bob lists the conversation")
