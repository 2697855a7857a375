/** What a command's action ends with: the process's exit code, or `running` for a server that runs until a signal. */
export type CommandResult = number | 'running';

/** Given to each command when it is registered: its action reports its result through it. */
export type Finish = (result: CommandResult) => void;
