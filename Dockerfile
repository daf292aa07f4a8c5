# Apify's Python base image: Python 3.13 with the Apify SDK's system dependencies. `make check` runs the e2e subset on
# this Python too (scripts/image-python.sh reads the version here); move up only to a version that run can prove.
# Not 3.14 (now the template's): no 3.14 can be installed here (Debian, PyPI, npm, pyenv), so the suite could not prove it.
FROM apify/actor-python:3.13

# The base image's own app folder, owned by its non-root user.
WORKDIR /usr/src/app

USER myuser

# Install the runtime dependencies first, so code changes reuse this cached layer.
COPY --chown=myuser:myuser requirements.txt ./
RUN echo "Python version:" \
 && python --version \
 && echo "Pip version:" \
 && pip --version \
 && echo "Installing dependencies:" \
 && pip install --no-cache-dir -r requirements.txt \
 && echo "All installed Python packages:" \
 && pip freeze

# Copy the Actor's code and compile it, so syntax errors fail the build, not the run.
COPY --chown=myuser:myuser . ./
RUN python3 -m compileall -q src/

# Run the Actor.
CMD ["python3", "-m", "src"]
