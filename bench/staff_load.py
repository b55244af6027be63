#!/usr/bin/env python3
"""One signed-in staff member working as fast as the server lets them, for
bench/soak.sh: create an article, save it again, publish it, upload an
image, over and over, for DURATION seconds. Standard library only.

usage: staff_load.py BASE_URL EMAIL PASSWORD DURATION

Prints one JSON line at the end: {"action status": count, ...} plus the ids
of articles whose publish was acknowledged (303), so a caller can check
that every acknowledged save is there.
"""

import http.cookiejar
import json
import re
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zlib


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def png(seed):
    """A small valid PNG, different for every seed (so uploads are not
    de-duplicated by content)."""
    width, height = 16, 16
    raw = b"".join(b"\0" + bytes([(seed + x + y) % 256 for x in range(width)] * 3)[: width * 3]
                   for y in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class Staff:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.counts = {}
        self.published = []

    def request(self, path, data=None, headers=None):
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as res:
                return res.status, res.headers, res.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as e:
            return 0, {}, str(e)

    def tally(self, action, status):
        key = f"{action} {status}"
        self.counts[key] = self.counts.get(key, 0) + 1

    def form(self, path, fields):
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        return self.request(path, data, {"Content-Type": "application/x-www-form-urlencoded"})

    def sign_in(self, email, password):
        status, _, body = self.request("/admin/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', body)
        status, headers, _ = self.form("/admin/login", {
            "email": email, "password": password, "next": "/admin",
            "csrf_token": token.group(1) if token else "",
        })
        if status != 303:
            sys.exit(f"sign-in as {email} answered {status}")

    def edit_page(self, path):
        status, _, body = self.request(path)
        token = re.search(r'name="csrf_token" value="([^"]+)"', body)
        version = re.search(r'name="version" value="([0-9]+)"', body)
        category = re.search(r'name="category_id"[^>]*>\s*(?:<option[^>]*value=""[^>]*>[^<]*</option>\s*)?<option value="([0-9]+)"', body)
        return status, token and token.group(1), version and version.group(1), category and category.group(1)

    def article_fields(self, token, version, category, action, n):
        return [
            ("csrf_token", token), ("version", version), ("action", action),
            ("title", f"Soak test article {n} {uuid.uuid4().hex[:8]}"), ("slug", ""),
            ("kind", "news"), ("category_id", category), ("author_id", ""),
            ("standfirst", "Written by the soak test, one sentence long."),
            ("intro", "An opening paragraph written under load."),
            ("hashtags", "#Soak #Load"), ("hero_media_id", ""), ("hero_alt", ""),
            ("publish_at", ""),
            ("section_anchor", ""), ("section_heading", "What happened"),
            ("section_body", "Readers kept reading while the newsroom kept writing."),
        ]

    def round(self, n):
        status, token, version, category = self.edit_page("/admin/articles/new")
        if status != 200 or not token or not category:
            self.tally("new-form", status)
            return
        status, headers, _ = self.form("/admin/articles/new",
                                       self.article_fields(token, "0", category, "save", n))
        self.tally("create", status)
        location = headers.get("Location", "") if status == 303 else ""
        match = re.match(r"/admin/articles/([0-9]+)", location)
        if not match:
            return
        article = f"/admin/articles/{match.group(1)}"
        for action in ("save", "publish"):
            status, token, version, category = self.edit_page(article)
            if status != 200 or not token or not version:
                self.tally(f"{action}-form", status)
                return
            status, _, _ = self.form(article, self.article_fields(token, version, category, action, n))
            self.tally(action, status)
            if action == "publish" and status == 303:
                self.published.append(int(match.group(1)))
        status, _, body = self.request("/admin/media")
        token = re.search(r'name="csrf_token" value="([^"]+)"', body)
        if not token:
            self.tally("media-form", status)
            return
        boundary = uuid.uuid4().hex
        parts = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{token.group(1)}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"soak.png\"\r\n"
            "Content-Type: image/png\r\n\r\n"
        ).encode() + png(n) + f"\r\n--{boundary}--\r\n".encode()
        status, _, _ = self.request("/admin/media", parts,
                                    {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        self.tally("upload", status)


def main():
    base, email, password, duration = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    staff = Staff(base)
    staff.sign_in(email, password)
    end = time.monotonic() + duration
    n = 0
    while time.monotonic() < end:
        n += 1
        staff.round(n)
    print(json.dumps({"counts": staff.counts, "published": staff.published}))


if __name__ == "__main__":
    main()
