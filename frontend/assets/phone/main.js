/* phone face: entry point. */
import "./style.css";
