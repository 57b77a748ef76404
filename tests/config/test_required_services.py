"""PostgreSQL and Redis are required in every profile: there is no stand-in to fall back to."""

from tests.config.test_production_settings import manage


def test_without_database_and_redis_urls_nothing_starts_and_the_error_says_how_to_get_them():
    result = manage("check", DJANGO_ENV="development", DATABASE_URL="", REDIS_URL="")
    assert result.returncode != 0
    assert "DATABASE_URL and REDIS_URL must be set (PostgreSQL and Redis)" in result.stderr
    assert "python -m tools.engines -- CMD" in result.stderr and "make run" in result.stderr


def test_without_redis_url_the_tests_do_not_start_either():
    result = manage("check", DJANGO_ENV="test", REDIS_URL="")
    assert result.returncode != 0 and "REDIS_URL must be set" in result.stderr


def test_a_sqlite_database_url_is_refused():
    result = manage("check", DJANGO_ENV="development", DATABASE_URL="sqlite:///var/refused.sqlite3")
    assert result.returncode != 0
    assert "DATABASE_URL must name a PostgreSQL database" in result.stderr
