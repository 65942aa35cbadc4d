"""``uploads``: store an audio file as a prompt that ``Playback(<name>)`` plays.

The multipart field ``file`` is streamed to a temporary file, never held in memory, then
converted (:mod:`media.sound_import`) into ``<sounds>/<name>.wav``, 8 kHz 16-bit mono. The
name is the uploaded file name without its extension, reduced to letters, digits, ``_`` and
``-`` (``C:\\Prompts\\Welcome Menu.mp3`` → ``Welcome_Menu``); a file of that name is replaced.
The answer is ``{"data": {"name", "filename", "duration"}}``.

Refusals, all JSON, and never anything left on disk:

- ``api_key`` missing, unknown or disabled: 401/403. It may be in the query string, as the
  Evolvex example sends it, or a form field before ``file``; a query key, and a declared
  length over the limit (413), are refused before the body is read, and a client that sent
  ``Expect: 100-continue`` (curl does for large files) is refused before it sends the body.
- more than :data:`MAX_UPLOAD_BYTES` in ``file`` (or a form that much larger): 413 as soon
  as the limit is passed, however the body is sent;
- not audio that libsndfile decodes (wav of any rate, width and channel count, mp3, flac,
  ogg): 415;
- no ``file`` field, a body that is not ``multipart/form-data``, or a name with nothing left
  after cleaning: 400.

After a refusal the connection is closed, so an unwanted body is never read to its end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import BinaryIO

from aiohttp import BodyPartReader, hdrs, web
from aiohttp.http import HttpProcessingError, HttpVersion11

from http_api.evolvex.auth import read_params
from http_api.evolvex.context import EvolvexContext, evolvex
from http_api.evolvex.errors import ApiError, error_response
from media.sound_import import NotAudioError, import_sound
from softswitch.storage import ApiUserRecord

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""The largest audio file accepted: 20 MiB, about 20 minutes of mp3 at 128 kbit/s."""
FORM_OVERHEAD = 64 * 1024
"""What a form may carry besides the file: boundaries, part headers, small fields."""
LINGER_S = 2.0
"""How long a refused upload's remaining body is read and dropped before the connection
closes."""
_CHUNK = 256 * 1024
_MAX_FIELD = 1024
_NAME_LENGTH = 64
_UNSAFE = re.compile(r"[^\w-]+")
_TOO_LARGE = f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB"


def sound_name(filename: str | None) -> str:
    """The Playback name for an uploaded *filename*: its last path part, without extension,
    with every run of other characters than letters, digits, ``_`` and ``-`` made one ``_``."""
    base = re.split(r"[\\/]", filename or "")[-1]
    stem, dot, _extension = base.rpartition(".")
    name = _UNSAFE.sub("_", stem if dot and stem.strip(".") else base)
    name = name.strip("_-")[:_NAME_LENGTH].strip("_-")
    if not name:
        raise ApiError(400, "the file name has no letters or digits to name the sound by")
    return name


async def _check_headers(request: web.Request, *,
                         read_form: bool) -> ApiUserRecord | None:
    """Refuse (raise) what the headers alone condemn; the caller, if the query's key says.

    None means a multipart form that may bring its key as a field before the file. A body
    that is not multipart cannot be an upload; with *read_form* its urlencoded fields may
    still carry the key, so that a wrong key is told as such.
    """
    multipart = request.content_type == "multipart/form-data"
    keys = evolvex(request).keys
    key = (await read_params(request, keys, body=read_form and not multipart)).get("api_key")
    user = None
    if key is not None or not multipart:
        user = await keys.authenticate(key)
    length = request.content_length
    if length is not None and length > MAX_UPLOAD_BYTES + FORM_OVERHEAD:
        raise ApiError(413, _TOO_LARGE)
    if not multipart:
        raise ApiError(400, "send the file as the multipart/form-data field 'file'")
    return user


async def _refuse(request: web.Request, refusal: ApiError) -> web.StreamResponse:
    """Answer *refusal* and close the connection: the rest of the body is not wanted.

    What the client still sends is read and dropped for up to :data:`LINGER_S` first, so
    that closing does not reset the connection before the client has read the answer
    (RFC 9112 §9.6). Done here rather than left to aiohttp's own lingering, which after the
    handler has returned does not notice that the client has gone and holds the connection
    (and a shutdown) for ten seconds.
    """
    response = error_response(refusal.status, refusal.message)
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    # Whatever ends the body (its end, a reset, a broken chunk, the time), the answer is out.
    with contextlib.suppress(Exception):
        async with asyncio.timeout(LINGER_S):
            while await request.content.readany():
                pass
    request.protocol.force_close()
    return response


async def expect_upload(request: web.Request) -> web.StreamResponse | None:
    """``Expect: 100-continue``: refuse now, or tell the client to send the body."""
    try:
        # The form cannot be read here: the client sends it only after the 100.
        await _check_headers(request, read_form=False)
    except ApiError as refusal:
        return await _refuse(request, refusal)
    if request.headers.get(hdrs.EXPECT, "").lower() != "100-continue":
        return await _refuse(request, ApiError(417, "only 'Expect: 100-continue' is understood"))
    if request.version == HttpVersion11:
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    return None


@routes.post("/uploads", expect_handler=expect_upload)
async def uploads(request: web.Request) -> web.StreamResponse:
    try:
        user = await _check_headers(request, read_form=True)
        return await _receive(request, user)
    except ApiError as refusal:
        return await _refuse(request, refusal)


async def _receive(request: web.Request, user: ApiUserRecord | None) -> web.StreamResponse:
    api = evolvex(request)
    budget = MAX_UPLOAD_BYTES + FORM_OVERHEAD
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise ApiError(400, "nested multipart bodies are not accepted")
            if part.name == "file":
                if user is None:
                    raise ApiError(401, "api_key is required")
                return await _store(api, user, part)
            if part.name == "api_key" and user is None:
                user = await api.keys.authenticate(
                    (await _small_field(part)).decode("utf-8", "replace").strip() or None)
            else:
                async for chunk in _chunks(part, limit=budget):
                    budget -= len(chunk)
    except (ValueError, HttpProcessingError) as exc:
        raise ApiError(400, "the multipart body is malformed") from exc
    raise ApiError(400, "no 'file' field in the form")


async def _small_field(part: BodyPartReader) -> bytes:
    data = b""
    async for chunk in _chunks(part, limit=_MAX_FIELD):
        data += chunk
    return data


async def _chunks(part: BodyPartReader, *, limit: int) -> AsyncIterator[bytes]:
    """The part's bytes as they arrive; a 413 once more than *limit* have come."""
    size = 0
    while chunk := await part.read_chunk(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise ApiError(413, _TOO_LARGE)
        yield chunk


async def _store(api: EvolvexContext, user: ApiUserRecord,
                 part: BodyPartReader) -> web.StreamResponse:
    name = sound_name(part.filename)
    with _temporary_file() as (upload, path):
        size = 0
        async for chunk in _chunks(part, limit=MAX_UPLOAD_BYTES):
            size += len(chunk)
            await asyncio.to_thread(upload.write, chunk)
        await asyncio.to_thread(upload.flush)
        if size == 0:
            raise ApiError(415, "the file is empty")
        try:
            info = await asyncio.to_thread(import_sound, path, api.sounds / f"{name}.wav")
        except NotAudioError as exc:
            raise ApiError(415, f"not an audio file the switch can play: {exc}") from exc
    log.info("API user %s uploaded %s (%s, %d Hz, %d channel(s), %.1f s) as sound %s",
             user.name, part.filename, info.source_format, info.source_rate,
             info.source_channels, info.duration_s, name)
    return web.json_response({"data": {
        "name": name, "filename": f"{name}.wav", "duration": round(info.duration_s, 3),
    }})


@contextlib.contextmanager
def _temporary_file() -> Iterator[tuple[BinaryIO, Path]]:
    """A new file in the system's temporary folder, removed on the way out whatever happens.

    Not in the sounds folder: a half-received upload must never be seen there, nor caught
    in a backup of it.
    """
    descriptor, name = tempfile.mkstemp(prefix="evolvex-upload-", suffix=".part")
    path = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle, path
    finally:
        path.unlink(missing_ok=True)
