"""Natural-language understanding: the Rasa model (in process or over HTTP), training, evaluation."""
