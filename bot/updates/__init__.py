"""The ledger of Telegram updates being or already handled: each update is answered once, even when
several replicas receive it (a retried webhook delivery, a load balancer that duplicates)."""
