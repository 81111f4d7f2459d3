/**
 * `ajc completion [bash|zsh]`: prints a shell completion script. The script asks `ajc` itself for
 * candidates through yargs' completion support (`ajc --get-yargs-completions WORDS...`), so
 * completions always match the commands and flags of the binary installed.
 */
import { defineLocalCommand } from "../command.ts";
import type { CliContext } from "../context.ts";

interface CompletionArgs {
  shell: "bash" | "zsh";
}

const BASH = `###-begin-ajc-completions-###
# ajc command completion for bash. Install: ajc completion bash >> ~/.bashrc
_ajc_completions() {
  local cur_word candidates
  cur_word="\${COMP_WORDS[COMP_CWORD]}"
  mapfile -t candidates < <(ajc --get-yargs-completions "\${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null)
  mapfile -t COMPREPLY < <(compgen -W "\${candidates[*]}" -- "\${cur_word}")
  return 0
}
complete -o bashdefault -o default -F _ajc_completions ajc
###-end-ajc-completions-###`;

const ZSH = `#compdef ajc
###-begin-ajc-completions-###
# ajc command completion for zsh. Install: ajc completion zsh >> ~/.zshrc
_ajc_completions() {
  local reply
  local si=$IFS
  IFS=$'\\n' reply=($(ZSH_NAME=zsh ajc --get-yargs-completions "\${words[@]:0:$CURRENT}" 2>/dev/null))
  IFS=$si
  if [[ \${#reply} -gt 0 ]]; then
    _describe 'values' reply
  else
    _default
  fi
}
if [[ "\${zsh_eval_context[-1]}" == "loadautofunc" ]]; then
  _ajc_completions "$@"
else
  compdef _ajc_completions ajc
fi
###-end-ajc-completions-###`;

/** The `ajc completion` command. */
export function completionCommand(ctx: CliContext) {
  return defineLocalCommand<CompletionArgs>(ctx, {
    command: "completion [shell]",
    describe: "Prints a shell completion script (e.g. ajc completion bash >> ~/.bashrc)",
    builder: (y) =>
      y.positional("shell", {
        choices: ["bash", "zsh"] as const,
        default: "bash" as const,
        describe: "the shell to complete in",
      }),
    run: async ({ argv }) => (argv.shell === "zsh" ? ZSH : BASH),
  });
}
