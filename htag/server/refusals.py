"""What a refused client is told: the texts of the answers every transport shares."""

TOO_MANY = "too many messages: refused"
FULL = "the server is full: try again later"
STOPPING = "the server is stopping: try again later"
RETRY_AFTER = "30"  # seconds, with a 503
DRAINING = "this server is restarting: reload in a moment"
RETRY_AFTER_DRAINING = "2"  # seconds: another process (or this one, restarted) takes the page
