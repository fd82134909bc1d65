"""Message building, transports, the send loop, rate limits and retries."""
