"""POST /workbench/preview: the preview document of an upload; bad uploads are precise problems."""

import asyncio

from tests.api.conftest import CSV, HTML, MAX_UPLOAD, XLSX, upload


def test_preview_of_a_dipres_csv(client):
    response = client.post("/workbench/preview", **upload(CSV))
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["source"]["filename"] == CSV.name and doc["params"] == {"anio": 2017}
    assert doc["layers"]["silver"]["row_count"] == 144
    assert doc["cache"]["hit"] is False
    again = client.post("/workbench/preview", **upload(CSV)).json()
    assert again["cache"]["hit"] is True and again["layers"]["silver"]["row_count"] == 144


def test_preview_of_a_workbook_sheet(client):
    response = client.post("/workbench/preview", **upload(XLSX, "dipres_programa_xlsx", sheet="0"))
    assert response.status_code == 200, response.text
    assert response.json()["source"]["format"] == "xlsx"


def test_params_as_json_or_repeated_fields(client):
    as_json = client.post("/workbench/preview", **upload(CSV, params='{"anio": 2016}')).json()
    repeated = client.post("/workbench/preview", **upload(CSV, params=["anio=2015"])).json()
    assert as_json["params"] == {"anio": 2016} and repeated["params"] == {"anio": 2015}


def test_without_a_dataset_it_is_the_sniffed_raw_read(client):
    response = client.post("/workbench/preview", **upload(CSV, None))
    assert response.status_code == 200 and list(response.json()["layers"]) == ["raw"]


def test_a_disguised_html_file_is_a_422_with_spanish_message_and_location(client):
    response = client.post("/workbench/preview", **upload(HTML, params='{"anio": 2017}'))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "file-format" and body["file"] == HTML.name
    assert HTML.name in body["message_es"] and "HTML" in body["detail"]


def test_malformed_params_are_a_422_parameter_problem(client):
    for bad in ('{"anio": 20', "anio", '{"anio": [1]}'):
        body = client.post("/workbench/preview", **upload(CSV, params=bad)).json()
        assert (body["status"], body["code"]) == (422, "parameter-invalid"), bad
    out_of_range = client.post("/workbench/preview", **upload(CSV, params='{"anio": 1800}')).json()
    assert out_of_range["code"] == "parameter-invalid" and "mínimo" in out_of_range["message_es"]


def test_a_huge_file_is_refused_with_413(client):
    response = client.post("/workbench/preview", **upload(CSV, data=b"x" * (MAX_UPLOAD + 1)))
    assert response.status_code == 413
    assert response.json()["code"] == "upload-too-large" and f"{MAX_UPLOAD:,}" in response.json()["detail"]


def test_a_huge_streamed_body_without_length_is_cut_early(client, token):
    """Straight at the ASGI app: the body arrives in 64 KB chunks without a Content-Length."""
    received: list[int] = []
    sent: list[dict] = []

    async def receive() -> dict:
        received.append(1)
        if len(received) == 1:
            head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
            return {"type": "http.request", "body": head, "more_body": True}
        return {"type": "http.request", "body": b"y" * 65536, "more_body": len(received) < 10_000}  # 640 MB

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/workbench/preview", "raw_path": b"/workbench/preview",
             "query_string": b"", "headers": [(b"content-type", b"multipart/form-data; boundary=b"),
                                              (b"authorization", f"Bearer {token}".encode())],
             "http_version": "1.1", "scheme": "http", "server": ("test", 80), "client": ("test", 1), "root_path": ""}
    asyncio.run(client.app(scope, receive, send))
    assert sent[0]["status"] == 413 and len(received) < 10


def test_unknown_dataset_is_404_and_missing_file_is_422_and_json_is_415(client):
    assert client.post("/workbench/preview", **upload(CSV, "no_such")).json()["code"] == "spec-not-found"
    assert client.post("/workbench/preview", data={"dataset": "dipres_ley"},
                       files={"other": ("a.csv", b"a")}).json()["code"] == "upload-invalid"
    response = client.post("/workbench/preview", json={"dataset": "dipres_ley"})
    assert response.status_code == 415 and response.json()["code"] == "unsupported-media-type"


def test_only_the_base_name_of_a_client_path_is_kept(client):
    files = {"file": ("C:\\Users\\ana\\ejecucion_2016_abril.csv", CSV.read_bytes())}
    doc = client.post("/workbench/preview", files=files, data={"dataset": "dipres_ejecucion"}).json()
    assert doc["source"]["filename"] == "ejecucion_2016_abril.csv" and doc["params"] == {"anio": 2016}
