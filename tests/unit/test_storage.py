from automl.storage import join, redact_uri


def test_credentials_in_uris_are_redacted():
    assert redact_uri("postgresql://user:pw@db:5432/mlflow") == "postgresql://***@db:5432/mlflow"
    assert redact_uri("s3://bucket/key.csv") == "s3://bucket/key.csv"


def test_join_handles_slashes():
    assert join("s3://b/root/", "/model/", "file.json") == "s3://b/root/model/file.json"
