// Components of this area are exported here as they land.
export {};
