#!/bin/sh
# The demo worker of `npm start`: ajc runs it once per task, with CHORIA_AJ_TASK naming a file that
# holds the task as JSON. What it prints becomes the task's result; exiting non-zero asks for a retry.
echo "hello from the demo worker, handling $(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$CHORIA_AJ_TASK")"
