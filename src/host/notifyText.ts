// Text for notifications. VS Code turns `[label](command:...)`, `(https://...)` and `(file:...)` in a
// notification's message into a clickable link (its parseLinkedText), with no escape syntax: a backslash is shown
// as is and the link still forms. Messages here carry config names, file names, error details and paths that a
// workspace or a results store supplies, so one crafted name would become a link that runs a command. plainText
// breaks the one sequence every such link needs, `](`, by showing it as `] (`, and leaves all other text as it is.
// Every showErrorMessage/showWarningMessage/showInformationMessage in the extension passes its text through it.

/** `text` with no sequence a notification renders as a link (or a codicon), otherwise unchanged. */
export function plainText(text: string): string {
  // `$(name)` would render as an icon; `$ (` reads the same and does not.
  return text.replace(/\]\(/g, '] (').replace(/\$\(/g, '$ (');
}
