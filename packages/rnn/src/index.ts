export { defineCell, initValues, type Cell, type CellSpec, type StepContext, type ParamInfo, type ParamRole, type InitSpec } from "./defineCell.js";
