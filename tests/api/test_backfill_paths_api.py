"""POST /workbench/backfills answers a link out of the incoming folder the same way whether or not the file
behind it exists, and a NUL byte in the pattern with a 422 problem (it was a 500) (issue 13.4)."""


def test_links_out_answer_alike_and_a_nul_byte_is_a_422(client, settings, tmp_path):
    outside = tmp_path / "fuera"
    outside.mkdir()
    (outside / "shadow").write_text("root:x")
    settings.incoming.mkdir(parents=True)
    (settings.incoming / "etclink").symlink_to(outside, target_is_directory=True)
    answers = [client.post("/workbench/backfills", json={"dataset": "dipres_ejecucion",
                                                         "files": str(settings.incoming / "[e]tclink" / name)})
               for name in ("shado[w]", "nosuchfil[e]")]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json()["message_es"] == answers[1].json()["message_es"]
    assert str(outside) not in answers[0].text and str(settings.data_dir) not in answers[0].json()["message_es"]
    nul = client.post("/workbench/backfills", json={"dataset": "dipres_ejecucion",
                                                    "files": str(settings.incoming / "a\u0000b.csv")})
    assert nul.status_code == 422 and nul.json()["code"] == "backfill-pattern-invalid", nul.text
