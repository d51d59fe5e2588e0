"""Allow-list of the dead-code check (vulture, run by scripts/test.sh).

Each name here looks unused to vulture but is used by something it cannot see: a framework that
calls it by name, a wire format, a file it is dumped to. Keep it short: code that nothing uses
is deleted, not listed here. Only the names matter (vulture matches names, not objects).
"""

# Qt, pydantic, http.server and pytest call these by name or read them as class attributes.
# (camelCase names, Qt's virtual methods, are ignored in [tool.vulture] in pyproject.toml.)
_.paint, _.open_url
watched  # Qt passes eventFilter's first argument positionally; some overrides ignore it
_.model_config, _.row_factory
_.log_message, _.handle_error, _.close_connection
_.protocol_version, _.server_version, _.disable_nagle_algorithm
_.daemon_threads, _.block_on_close, _.request_queue_size, _.address_family
signum  # signal handlers take (signum, frame)
pytest_plugins, pytestmark, pytest_collection_modifyitems  # pytest hooks, called by name
qapp, secret_service, service  # fixtures requested for their side effect
_.priority, _.get_preferred_collection  # keyring and secretstorage call these on backends

# fal's Platform API answer fields: parsed so an answer is checked whole (core/fal/platform.py).
_.currency, _.estimate_type, _.sent_at, _.duration

# fal's result fields: parsed (and type-checked) so a stored result documents the answer.
_.has_nsfw_concepts, _.timings, _.gateway_request_id

# The emulator reads its fault switches by name (Scenario.fault, FAULT_NAMES).
_.rate_limit, _.dropped_stream, _.slow_first_byte, _.malformed_json, _.expired_media
_.wrong_key, _.submit_lost, _.reused_request_id, _.stalled_stream, _.media_redirect
_.upload_link_expired, _.input_gone

# Written to build-report.json with dataclasses.asdict.
_.bundle_files, _.build_seconds

# The benchmarks point fal-client at the emulator through this module global.
_.QUEUE_URL_FORMAT

# multiprocessing's Popen reads these after the launch (core/jobs/untracked_spawn.py).
_.sentinel, _.finalizer
