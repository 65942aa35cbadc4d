import asyncio, subprocess, time
from tests.api.conftest import Api
from tests.api import test_uploads as t

def test_dbg(api: Api) -> None:
    head = t._upload_head(api, "Transfer-Encoding: chunked\r\n")
    pre = head.split(b"\r\n\r\n", 1)[1]
    head = head[: len(head) - len(pre)] + f"{len(pre):x}\r\n".encode() + pre + b"\r\n"
    ans, sent = asyncio.run(t.raw_upload(api, head, 200 * t.MIB, chunked=True))
    print(ans[:40], sent)
    for _ in range(4):
        print(subprocess.run(["ss", "-tn", f"sport = :{api.switch.http_port}"], capture_output=True, text=True).stdout)
        time.sleep(1)
    t0 = time.monotonic(); api.switch.stop(); print("stop", time.monotonic() - t0)
    print(api.switch.log_text()[-800:])
    api.switch.start()
