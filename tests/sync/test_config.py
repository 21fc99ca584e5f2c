"""SyncConfig: base URLs, precedence of preferences and environment, identification."""

from __future__ import annotations

import pytest

from exodesk import __version__
from exodesk.sync.config import (
    DEFAULT_CROSSREF_URL,
    DEFAULT_EUROPEPMC_URL,
    DEFAULT_EUTILS_URL,
    SyncConfig,
    make_http_client,
)
from exodesk.sync.http import RetryPolicy


def test_defaults_are_the_public_services() -> None:
    config = SyncConfig()
    assert config.eutils_url == "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
    assert config.crossref_url == "https://api.crossref.org/"
    assert config.europepmc_url == "https://www.ebi.ac.uk/europepmc/webservices/rest/"
    assert config.email == ""
    assert config.ncbi_api_key == ""
    assert config.tool == "exodesk"


def test_missing_trailing_slash_is_added() -> None:
    config = SyncConfig(
        eutils_url="http://127.0.0.1:8080/eutils",
        crossref_url=" https://mirror.example/crossref/ ",
        europepmc_url="http://[::1]:9000",
    )
    assert config.eutils_url == "http://127.0.0.1:8080/eutils/"
    assert config.crossref_url == "https://mirror.example/crossref/"
    assert config.europepmc_url == "http://[::1]:9000/"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/",
        "file:///etc/passwd",
        "example.org/eutils/",
        "https:///no-host/",
        "https://example.org/eutils/?db=pubmed",
        "https://example.org/eutils/#x",
        "",
    ],
)
def test_bad_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="eutils_url"):
        SyncConfig(eutils_url=url)


@pytest.mark.parametrize("field", ["email", "ncbi_api_key", "tool"])
@pytest.mark.parametrize("value", ["a b", "me@example.org\r\nX-Injected: 1", "tab\there"])
def test_whitespace_inside_header_values_is_refused(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=field):
        SyncConfig(**{field: value})


def test_empty_tool_is_refused() -> None:
    with pytest.raises(ValueError, match="tool"):
        SyncConfig(tool="  ")


def test_environment_overrides_url_settings() -> None:
    environ = {
        "EXODESK_EUTILS_URL": "http://127.0.0.1:1/e",
        "EXODESK_CROSSREF_URL": "http://127.0.0.1:2/c/",
        "EXODESK_EUROPEPMC_URL": "http://127.0.0.1:3/p/",
    }
    config = SyncConfig.from_environment(
        environ,
        eutils_url="https://settings.example/e/",
        crossref_url="https://settings.example/c/",
        europepmc_url="https://settings.example/p/",
    )
    assert config.eutils_url == "http://127.0.0.1:1/e/"
    assert config.crossref_url == "http://127.0.0.1:2/c/"
    assert config.europepmc_url == "http://127.0.0.1:3/p/"


def test_url_settings_apply_without_environment_and_defaults_without_either() -> None:
    config = SyncConfig.from_environment({}, crossref_url="https://settings.example/c")
    assert config.crossref_url == "https://settings.example/c/"
    assert config.eutils_url == DEFAULT_EUTILS_URL
    assert config.europepmc_url == DEFAULT_EUROPEPMC_URL
    blank = SyncConfig.from_environment({"EXODESK_CROSSREF_URL": "  "})
    assert blank.crossref_url == DEFAULT_CROSSREF_URL


def test_preferences_win_for_email_and_key_and_environment_fills_in() -> None:
    environ = {"EXODESK_EMAIL": "env@example.org", "EXODESK_NCBI_API_KEY": "envkey"}
    from_prefs = SyncConfig.from_environment(environ, email="me@example.org", api_key="mykey")
    assert (from_prefs.email, from_prefs.ncbi_api_key) == ("me@example.org", "mykey")
    from_env = SyncConfig.from_environment(environ, email=" ", api_key="")
    assert (from_env.email, from_env.ncbi_api_key) == ("env@example.org", "envkey")
    nothing = SyncConfig.from_environment({})
    assert (nothing.email, nothing.ncbi_api_key) == ("", "")


def test_repr_hides_the_api_key() -> None:
    config = SyncConfig(email="me@example.org", ncbi_api_key="s3cr3t-key")
    assert "s3cr3t-key" not in repr(config)
    assert "me@example.org" in repr(config)


def test_user_agent_names_exodesk_version_and_contact() -> None:
    assert SyncConfig(email="me@example.org").user_agent() == (
        f"exodesk/{__version__} (https://github.com/exodesk/exodesk; mailto:me@example.org)"
    )
    assert (
        SyncConfig().user_agent() == f"exodesk/{__version__} (https://github.com/exodesk/exodesk)"
    )


def test_eutils_params_always_carry_tool_and_only_set_values() -> None:
    assert SyncConfig().eutils_params() == {"tool": "exodesk"}
    assert SyncConfig(email="me@example.org", ncbi_api_key="k").eutils_params() == {
        "tool": "exodesk",
        "email": "me@example.org",
        "api_key": "k",
    }


def test_make_http_client_paces_each_service() -> None:
    config = SyncConfig(email="me@example.org")
    with make_http_client(config) as client:
        assert client.user_agent == config.user_agent()
        assert client.limiter.rate("eutils.ncbi.nlm.nih.gov") == pytest.approx(2.8)
        assert client.limiter.rate("api.crossref.org") == pytest.approx(5.0)
        assert client.limiter.rate("www.ebi.ac.uk") == pytest.approx(5.0)


def test_make_http_client_with_api_key_allows_nine_per_second() -> None:
    with make_http_client(SyncConfig(ncbi_api_key="k")) as client:
        assert client.limiter.rate("eutils.ncbi.nlm.nih.gov") == pytest.approx(9.0)


def test_services_sharing_a_host_get_the_slowest_rate() -> None:
    base = "http://127.0.0.1:8765/"
    config = SyncConfig(eutils_url=base, crossref_url=base, europepmc_url=base, ncbi_api_key="k")
    with make_http_client(config) as client:
        assert client.limiter.rate("127.0.0.1:8765") == pytest.approx(5.0)


def test_make_http_client_passes_retry_and_cancel() -> None:
    policy = RetryPolicy(attempts=2, base_delay=0.01)
    with make_http_client(SyncConfig(), should_cancel=lambda: False, retry=policy) as client:
        assert client.retry is policy
