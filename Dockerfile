# One image for the bot and the Rasa server. Build: docker build -t delegate-assistant .
FROM python:3.10-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
COPY requirements.txt ./
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir -r requirements.txt
COPY . .
# Compile the catalogs and train the model at build time: nothing is trained or downloaded at run time.
RUN touch .venv/.installed && make catalogs train
EXPOSE 8443 5005
CMD [".venv/bin/python", "-m", "bot", "run", "--no-console", "--listen", "0.0.0.0"]
