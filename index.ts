// Package entry for `pulumi package add` (the component analyzer starts here); npm consumers use dist/.
export * from "./components";
