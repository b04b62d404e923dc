"""Real clients against two running instances: Mastodon.py and toot log in, post, reply,
follow a member of the other instance and read their home timeline."""

import os
import subprocess
import time

import pytest
from mastodon import Mastodon

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
