"""``get_file_wav`` and ``get_file_mp3``: a call's recording, streamed from disk.

Both stream the file (aiohttp's sendfile path) with HTTP ranges, ``HEAD``, ETag and
``If-Modified-Since``, so players can seek and downloads can resume.

An mp3 asked for where only the wav exists (``MIXMONITOR_COMMAND`` unset, or its conversion
still running right after the call) is encoded from the wav for this answer, mono as the
default post-command makes it, into a temporary folder removed once sent. It is not stored:
the post-command may be writing the real mp3 (stereo in multichannel mode) at that moment, and
a copy made here must not race it. A client that asked for an mp3 gets one, never a 404 for a
recording that exists.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.web_request import BaseRequest

from http_api.evolvex.auth import Caller, authenticated
from http_api.evolvex.context import api_keys, evolvex
from http_api.evolvex.errors import ApiError
from http_api.evolvex.params import check_uniqueid
from http_api.evolvex.recordings import AudioFormat
from media.mp3 import RecordingConversionError, wav_to_mp3

routes = web.RouteTableDef()


class _SentOnce(web.FileResponse):
    """A file response sent inside the handler, while its temporary file still exists.

    aiohttp prepares a returned response once more; for a FileResponse that would open the
    file again, which by then is gone.
    """

    async def prepare(self, request: BaseRequest) -> AbstractStreamWriter | None:
        if self.prepared:
            return None
        return await super().prepare(request)


def _headers(uniqueid: str, fmt: AudioFormat) -> dict[str, str]:
    return {
        "Content-Type": fmt.content_type,
        "Content-Disposition": f'attachment; filename="{uniqueid}.{fmt.value}"',
    }


@routes.get("/get_file_wav")
@authenticated(api_keys)
async def get_file_wav(request: web.Request, caller: Caller) -> web.StreamResponse:
    return await _recording(request, caller, AudioFormat.WAV)


@routes.get("/get_file_mp3")
@authenticated(api_keys)
async def get_file_mp3(request: web.Request, caller: Caller) -> web.StreamResponse:
    return await _recording(request, caller, AudioFormat.MP3)


async def _recording(request: web.Request, caller: Caller,
                     fmt: AudioFormat) -> web.StreamResponse:
    uniqueid = check_uniqueid(caller.params.require("uniqueid"))
    recordings = evolvex(request).recordings
    path = await asyncio.to_thread(recordings.find, uniqueid, fmt)
    if path is not None:
        return web.FileResponse(path, headers=_headers(uniqueid, fmt))
    if fmt is AudioFormat.MP3:
        wav = await asyncio.to_thread(recordings.find, uniqueid, AudioFormat.WAV)
        if wav is not None:
            return await _encoded_mp3(request, uniqueid, wav)
    raise ApiError(404, f"no recording of call {uniqueid}")


async def _encoded_mp3(request: web.Request, uniqueid: str, wav: Path) -> web.StreamResponse:
    with tempfile.TemporaryDirectory(prefix="evolvex-mp3-") as folder:
        try:
            mp3 = await asyncio.to_thread(wav_to_mp3, wav, Path(folder) / f"{uniqueid}.mp3")
        except RecordingConversionError as exc:
            # An empty wav (nothing heard yet) or a damaged one: there is no mp3 to give.
            raise ApiError(404, f"the recording of call {uniqueid} has no readable audio") \
                from exc
        response = _SentOnce(mp3, headers=_headers(uniqueid, AudioFormat.MP3))
        await response.prepare(request)
        return response
